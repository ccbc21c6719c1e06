import { Command, Option } from 'commander';
import type { Row } from './alerting-client.js';
import { crudCommands, number, onOff } from './budget-commands.js';

type Env = Record<string, string | undefined>;
type Print = (line: string) => void;

const orNone = (value: string): string | null => (value === 'none' ? null : value);
const SIGNS: Record<string, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤' };

function alertLine(a: Row): string {
  const filters = (['model', 'provider', 'agent_name'] as const)
    .filter((k) => a[k] !== null && a[k] !== undefined)
    .map((k) => `${k}=${String(a[k])}`)
    .join(' ');
  return [
    String(a['id']),
    JSON.stringify(a['name']),
    `${String(a['metric'])} ${SIGNS[String(a['comparison'])] ?? String(a['comparison'])} ${String(a['threshold'])} over ${String(a['window_minutes'])} min`,
    filters || 'all calls',
    `${String(a['state'])}${a['enabled'] ? '' : ' (disabled)'}`,
    `last value ${a['last_value'] === null || a['last_value'] === undefined ? '-' : String(a['last_value'])}`,
  ].join('  ');
}

/**
 * `tally alerts list|create|update|delete`: rules on error rate, p95 latency or spend over a trailing window.
 *
 * @example
 *   tally alerts create --name "OpenAI errors" --metric error_rate --threshold 0.05 --provider openai
 */
export function alertsCommand(env: Env, print: Print): Command {
  const parent = new Command('alerts').description(
    'Alert rules on error rate, p95 latency or spend over a trailing window, evaluated every TALLY_ALERT_INTERVAL_SECONDS',
  );
  crudCommands(env, print, {
    resource: 'alerts',
    parent,
    line: alertLine,
    created: (a) => `created alert rule ${String(a['id'])}\n${alertLine(a)}`,
    fields: {
      name: 'name',
      metric: 'metric',
      threshold: 'threshold',
      windowMinutes: 'window_minutes',
      comparison: 'comparison',
      model: 'model',
      provider: 'provider',
      agent: 'agent_name',
      enable: 'enabled',
    },
    flags: (cmd, creating) => {
      const metric = new Option(
        '--metric <metric>',
        'error_rate (0-1), p95_duration_ms or cost_usd (spend in the window)',
      ).choices(['error_rate', 'p95_duration_ms', 'cost_usd']);
      const threshold = new Option('--threshold <n>', 'the value compared with').argParser(number('--threshold'));
      const name = new Option('--name <name>', 'a name to recognise it by');
      return cmd
        .addOption(creating ? name.makeOptionMandatory() : name)
        .addOption(creating ? metric.makeOptionMandatory() : metric)
        .addOption(creating ? threshold.makeOptionMandatory() : threshold)
        .option('--window-minutes <n>', 'the trailing window, 1-10080 (default 15)', number('--window-minutes'))
        .addOption(
          new Option(
            '--comparison <op>',
            'fires when the value is gt, gte, lt or lte the threshold (default gt)',
          ).choices(['gt', 'gte', 'lt', 'lte']),
        )
        .option('--model <model>', 'only calls of this model (update: none clears)', orNone)
        .option('--provider <provider>', 'only calls of this provider (update: none clears)', orNone)
        .option('--agent <name>', 'only calls of this agent_name (update: none clears)', orNone)
        .option('--enable', 'evaluate the rule (the default)')
        .option('--disable', 'stop evaluating the rule');
    },
    adjust: (flags, body) => onOff(flags, body, 'enable', 'disable', 'enabled'),
    examples: {
      list: 'tally alerts list --project support --key $TALLY_ADMIN_TOKEN',
      create:
        'tally alerts create --name "OpenAI errors" --metric error_rate --threshold 0.05 --provider openai\n' +
        '  tally alerts create --name "Slow gpt-4o" --metric p95_duration_ms --comparison gte --threshold 8000 --model gpt-4o --window-minutes 30',
      update: 'tally alerts update alr_5e6f7a8b9c0d1e2f --threshold 0.1 --disable',
      delete: 'tally alerts delete alr_5e6f7a8b9c0d1e2f',
    },
  });
  return parent;
}

function webhookLine(w: Row): string {
  return [
    String(w['id']),
    String(w['url']),
    w['enabled'] ? 'enabled' : 'disabled',
    `secret ${String(w['secret_prefix'])}`,
    w['description'] ? JSON.stringify(w['description']) : '',
  ]
    .join('  ')
    .trimEnd();
}

/**
 * `tally webhooks list|create|update|delete`: where a project's budget and alert notifications are POSTed.
 *
 * @example
 *   tally webhooks create --endpoint https://hooks.example.com/tally --description "ops channel"
 */
export function webhooksCommand(env: Env, print: Print): Command {
  const parent = new Command('webhooks').description(
    "Webhooks that receive a project's budget and alert notifications, signed with a shared secret",
  );
  crudCommands(env, print, {
    resource: 'webhooks',
    parent,
    line: webhookLine,
    created: (w) =>
      `created webhook ${String(w['id'])}\n${webhookLine(w)}\n` +
      `Its secret signs every delivery (X-Tally-Signature); it is shown this once, store it now:\n  ${String(w['secret'])}`,
    fields: { endpoint: 'url', secret: 'secret', description: 'description', enable: 'enabled' },
    flags: (cmd, creating) => {
      // --url names the Tally server, as in every command; the webhook's own URL is its endpoint.
      const endpoint = new Option('--endpoint <url>', 'http:// or https:// URL that receives the POSTs');
      return cmd
        .addOption(creating ? endpoint.makeOptionMandatory() : endpoint)
        .option('--secret <secret>', 'shared secret, 16-256 characters (default: generated)')
        .option('--description <text>', 'what the endpoint is')
        .option('--enable', 'send to it (the default)')
        .option('--disable', 'send nothing to it');
    },
    adjust: (flags, body) => onOff(flags, body, 'enable', 'disable', 'enabled'),
    examples: {
      list: 'tally webhooks list',
      create: 'tally webhooks create --endpoint https://hooks.example.com/tally --description "ops channel"',
      update: 'tally webhooks update whk_8a7b6c5d4e3f2a1b --disable',
      delete: 'tally webhooks delete whk_8a7b6c5d4e3f2a1b',
    },
  });
  return parent;
}
