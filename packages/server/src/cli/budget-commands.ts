import { Command, InvalidArgumentError, Option } from 'commander';
import { connectResources, type Resource, type ResourceOptions, type Row } from './alerting-client.js';

type Env = Record<string, string | undefined>;
type Print = (line: string) => void;

const WHERE = `
Where: a running server (--url, $TALLY_URL, else the local one when it answers) with --key (a manage key of the
project, or the admin token with --project; default $TALLY_API_KEY, then $TALLY_ADMIN_TOKEN), otherwise the data
directory (--data) and --project (default: default).`;

/** Adds the connection flags every budget, alert and webhook command takes. */
function connection(cmd: Command): Command {
  return cmd
    .option(
      '--project <id>',
      'project, with the admin token or on the data directory (default: the key’s own, or default)',
    )
    .option('--url <url>', 'a running Tally server (default $TALLY_URL, else the local server when it answers)')
    .option(
      '--key <key>',
      'a manage key of the project, or the admin token (default $TALLY_API_KEY or $TALLY_ADMIN_TOKEN)',
    )
    .option('--data <dir>', 'data directory to open when no server is running (default $TALLY_DATA_DIR or ./data)')
    .option('--json', 'print JSON instead of lines');
}

type Flags = ResourceOptions & { json?: boolean } & Record<string, unknown>;

async function withClient<T>(
  env: Env,
  flags: Flags,
  print: Print,
  fn: (c: Awaited<ReturnType<typeof connectResources>>) => Promise<T>,
) {
  const client = await connectResources(env, flags, print);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export const number = (flag: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`${flag} must be a number; got ${value}`);
  return n;
};

/** A scope flag: a value, or `none` to clear it. */
const orNone = (value: string): string | null => (value === 'none' ? null : value);

const thresholdList = (value: string): number[] => {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.some((n) => !Number.isFinite(n)))
    throw new InvalidArgumentError(
      `--thresholds must be percentages separated by commas, such as 50,80,100; got ${value}`,
    );
  return parts;
};

/** Sets `field` from a pair of opposite switches (--hard/--soft, --enable/--disable); both at once is an error. */
export function onOff(flags: Flags, body: Row, on: string, off: string, field: string): void {
  if (flags[on] && flags[off]) throw new InvalidArgumentError(`pass --${on} or --${off}, not both`);
  if (flags[on]) body[field] = true;
  else if (flags[off]) body[field] = false;
  else delete body[field];
}

/** Copies the flags a user gave into a request body, under the API's names. */
export function bodyOf(flags: Flags, names: Record<string, string>): Row {
  const body: Row = {};
  for (const [flag, field] of Object.entries(names)) if (flags[flag] !== undefined) body[field] = flags[flag];
  return body;
}

/** The list, create, update and delete commands of one resource. */
export function crudCommands(
  env: Env,
  print: Print,
  spec: {
    resource: Resource;
    parent: Command;
    line: (row: Row) => string;
    created: (row: Row) => string;
    fields: Record<string, string>;
    /** Adds the setting flags; `creating` marks the ones a new resource needs. */
    flags: (cmd: Command, creating: boolean) => Command;
    /** Settles flags that do not map one to one onto a field (--soft, --disable). */
    adjust?: (flags: Flags, body: Row) => void;
    examples: { list: string; create: string; update: string; delete: string };
  },
): void {
  const { resource, parent } = spec;
  const singular = resource.slice(0, -1);
  const out = (flags: Flags, text: string, data: unknown) => print(flags.json ? JSON.stringify(data, null, 2) : text);

  connection(parent.command('list').description(`List the project's ${resource}\n\nExample:\n  ${spec.examples.list}`))
    .addHelpText('after', WHERE)
    .action(async (flags: Flags) => {
      await withClient(env, flags, print, async (c) => {
        const rows = await c.list(resource);
        out(flags, rows.map(spec.line).join('\n') || `no ${resource}`, rows);
      });
    });

  spec
    .flags(
      connection(parent.command('create').description(`Create a ${singular}\n\nExample:\n  ${spec.examples.create}`)),
      true,
    )
    .addHelpText('after', WHERE)
    .action(async (flags: Flags) => {
      const body = bodyOf(flags, spec.fields);
      spec.adjust?.(flags, body);
      await withClient(env, flags, print, async (c) => {
        const row = await c.create(resource, body);
        out(flags, spec.created(row), row);
      });
    });

  spec
    .flags(
      connection(
        parent
          .command('update <id>')
          .description(`Change a ${singular}; only the settings given change\n\nExample:\n  ${spec.examples.update}`),
      ),
      false,
    )
    .addHelpText('after', WHERE)
    .action(async (id: string, flags: Flags) => {
      const body = bodyOf(flags, spec.fields);
      spec.adjust?.(flags, body);
      if (Object.keys(body).length === 0)
        throw new InvalidArgumentError('nothing to change: pass a setting to change (see --help)');
      await withClient(env, flags, print, async (c) => {
        const row = await c.update(resource, id, body);
        out(flags, `updated ${singular} ${String(row['id'])}\n${spec.line(row)}`, row);
      });
    });

  connection(parent.command('delete <id>').description(`Delete a ${singular}\n\nExample:\n  ${spec.examples.delete}`))
    .addHelpText('after', WHERE)
    .action(async (id: string, flags: Flags) => {
      await withClient(env, flags, print, async (c) => {
        await c.remove(resource, id);
        out(flags, `deleted ${singular} ${id}`, { id, deleted: true });
      });
    });
}

const scope = (r: Row) =>
  (['user_id', 'agent_name', 'api_key_id', 'model'] as const)
    .filter((k) => r[k] !== null && r[k] !== undefined)
    .map((k) => `${k}=${String(r[k])}`)
    .join(' ') || 'whole project';

function budgetLine(b: Row): string {
  const period =
    b['period'] === 'rolling'
      ? `last ${String(b['window_hours'])} h`
      : `${String(b['period'])} (${String(b['tz'])}), resets ${String(b['resets_at'])}`;
  return [
    String(b['id']),
    JSON.stringify(b['name']),
    `${String(b['metric'])} ${String(b['used'])} / ${String(b['limit'])} (${String(b['percent'])} %)`,
    period,
    scope(b),
    b['hard'] ? 'hard' : 'soft',
  ].join('  ');
}

/**
 * `tally budgets list|create|update|delete`: limits on a project's cost, tokens or calls.
 *
 * @example
 *   tally budgets create --name "Alice monthly" --metric cost_usd --limit 50 --user alice --hard
 */
export function budgetsCommand(env: Env, print: Print): Command {
  const parent = new Command('budgets').description(
    "Budgets: limits on a project's cost, tokens or calls per day, month or rolling window",
  );
  crudCommands(env, print, {
    resource: 'budgets',
    parent,
    line: budgetLine,
    created: (b) => `created budget ${String(b['id'])}\n${budgetLine(b)}`,
    fields: {
      name: 'name',
      metric: 'metric',
      limit: 'limit',
      period: 'period',
      windowHours: 'window_hours',
      tz: 'tz',
      user: 'user_id',
      agent: 'agent_name',
      apiKeyId: 'api_key_id',
      model: 'model',
      thresholds: 'thresholds',
      hard: 'hard',
    },
    flags: (cmd, creating) => {
      const metric = new Option('--metric <metric>', 'what is limited').choices(['cost_usd', 'tokens', 'calls']);
      return cmd
        .addOption(
          creating
            ? new Option('--name <name>', 'a name to recognise it by').makeOptionMandatory()
            : new Option('--name <name>', 'new name'),
        )
        .addOption(creating ? metric.makeOptionMandatory() : metric)
        .addOption(
          creating
            ? new Option('--limit <n>', 'the limit: USD, tokens or calls per period')
                .argParser(number('--limit'))
                .makeOptionMandatory()
            : new Option('--limit <n>', 'the limit: USD, tokens or calls per period').argParser(number('--limit')),
        )
        .addOption(
          new Option('--period <period>', 'calendar day or month, or a rolling window (default month)').choices([
            'day',
            'month',
            'rolling',
          ]),
        )
        .option('--window-hours <n>', 'hours of a rolling window, 1-8760', number('--window-hours'))
        .option('--tz <zone>', 'IANA time zone where days and months start (default UTC)')
        .option('--user <id>', 'only calls of this user_id (update: none clears)', orNone)
        .option('--agent <name>', 'only calls of this agent_name (update: none clears)', orNone)
        .option('--api-key-id <hash>', 'only calls with this api_key_id (update: none clears)', orNone)
        .option('--model <model>', 'only calls of this model (update: none clears)', orNone)
        .option(
          '--thresholds <list>',
          'percentages that send a notification, e.g. 50,80,100 (default 80,100)',
          thresholdList,
        )
        .option('--hard', 'the proxy refuses requests once the budget is used up')
        .option('--soft', 'notify only (the default)');
    },
    adjust: (flags, body) => onOff(flags, body, 'hard', 'soft', 'hard'),
    examples: {
      list: 'tally budgets list --project support --key $TALLY_ADMIN_TOKEN',
      create:
        'tally budgets create --name "Alice monthly" --metric cost_usd --limit 50 --user alice --thresholds 50,80,100 --hard\n' +
        '  tally budgets create --name "Agent calls" --metric calls --limit 200 --period rolling --window-hours 6 --agent "Research Agent"',
      update: 'tally budgets update bud_4f1c2a9e7b3d4c10 --limit 75 --soft',
      delete: 'tally budgets delete bud_4f1c2a9e7b3d4c10',
    },
  });
  return parent;
}
