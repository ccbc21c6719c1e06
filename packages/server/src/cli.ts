#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CapturePolicy } from '@tally/core';
import type { KeyScope, Project, ProjectPatch } from '@tally/storage';
import { connectAdmin, type ClientOptions } from './cli/admin-client.js';
import { alertsCommand, webhooksCommand } from './cli/alert-commands.js';
import { budgetsCommand } from './cli/budget-commands.js';
import { exportCommand } from './cli/export-command.js';
import { importCommand } from './cli/import-command.js';
import { syncCommand } from './cli/sync-command.js';
import { usageCommand } from './cli/usage-command.js';
import { workerCommand } from './cli/worker-command.js';
import { ConfigError, SETTINGS, loadConfig } from './config.js';
import { SETTING_RANGES } from './lifecycle/project-settings.js';
import { generateOpenApi } from './openapi.js';
import { startServer } from './serve.js';
import { VERSION } from './tally.js';

const env = process.env;
const print = (line: string) => console.log(line);

const program = new Command('tally')
  .description('Tally: self-hosted LLM usage analytics and observability')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

const connection = (cmd: Command) =>
  cmd
    .option('--url <url>', 'a running Tally server, which must answer (default $TALLY_URL)')
    .option('--admin-token <token>', 'admin token for that server (default $TALLY_ADMIN_TOKEN)')
    .option(
      '--data <dir>',
      'with no URL given and no local server (http://127.0.0.1:$TALLY_PORT) answering: the data directory to open ' +
        '(default $TALLY_DATA_DIR or ./data)',
    );

program
  .command('serve')
  .description('Start the Tally server: the embedded DuckDB store by default, or PostgreSQL (--store)')
  .option('--port <port>', 'HTTP port (default $TALLY_PORT or 8000)')
  .option('--host <host>', 'address to listen on (default $TALLY_HOST or 127.0.0.1)')
  .option('--data <dir>', 'data directory (default $TALLY_DATA_DIR or ./data)')
  .option(
    '--store <store>',
    'event store: duckdb:<file>, :memory: or postgres://user@host:5432/db (default $TALLY_STORE or <data>/tally.duckdb)',
  )
  .option('--worker', 'with TALLY_REDIS_URL: also write the queued records to the store here, as `tally worker` does')
  .addHelpText(
    'after',
    `\nEnvironment:\n${SETTINGS.map(([n, d, m]) => `  ${n.padEnd(26)} ${m} (default: ${d})`).join('\n')}\n\nExample:\n  tally serve --port 8000 --data ./data`,
  )
  .action(async (flags: { port?: string; host?: string; data?: string; store?: string; worker?: boolean }) => {
    const server = await startServer(loadConfig(env, flags), print, { worker: flags.worker === true });
    const shutdown = (signal: string) => {
      print(`${signal} received: finishing requests in flight, flushing writes, closing the store…`);
      server.stop().then(
        () => process.exit(0),
        (e: unknown) => {
          console.error(`shutdown failed: ${(e as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });

const projects = program.command('projects').description('List and create projects');
connection(projects.command('list').description('List projects\n\nExample:\n  tally projects list')).action(
  async (opts: ClientOptions) => {
    await withAdmin(opts, async (admin) => {
      const rows = await admin.listProjects();
      print(
        rows.map((p) => `${p.id.padEnd(24)} ${p.name.padEnd(24)} ${describeProject(p)}`).join('\n') || 'no projects',
      );
    });
  },
);
connection(
  projects
    .command('create <name>')
    .description('Create a project\n\nExample:\n  tally projects create "Support bot" --id support')
    .option('--id <id>', 'project id (default: derived from the name)')
    .addOption(
      new Option('--capture-policy <policy>', 'what to keep of prompts and completions').choices([
        'none',
        'redacted',
        'full',
      ]),
    ),
).action(async (name: string, opts: ClientOptions & { id?: string; capturePolicy?: 'none' | 'redacted' | 'full' }) => {
  await withAdmin(opts, async (admin) => {
    const p = await admin.createProject({
      name,
      ...(opts.id ? { id: opts.id } : {}),
      ...(opts.capturePolicy ? { capture_policy: opts.capturePolicy } : {}),
    });
    print(`created project ${p.id} (${p.name}), capture policy ${p.capture_policy}`);
  });
});
connection(
  projects
    .command('update <id>')
    .description(
      'Change a project: its retention (days of data kept), the most calls it keeps, its name or capture policy\n\n' +
        'Example:\n  tally projects update support --retention-days 30 --max-events none',
    )
    .option('--name <name>', 'new display name')
    .addOption(
      new Option('--capture-policy <policy>', 'what to keep of prompts and completions').choices([
        'none',
        'redacted',
        'full',
      ]),
    )
    .option(
      '--retention-days <days>',
      "days of data kept, 1-36500; none: the server's TALLY_RETENTION_DAYS",
      wholeOrNone('--retention-days', SETTING_RANGES.retention_days.max),
    )
    .option(
      '--max-events <n>',
      'the most calls kept (the oldest beyond it are deleted), 1-1000000000; none: no limit',
      wholeOrNone('--max-events', SETTING_RANGES.max_events.max),
    ),
).action(
  async (
    id: string,
    opts: ClientOptions & {
      name?: string;
      capturePolicy?: CapturePolicy;
      retentionDays?: number | null;
      maxEvents?: number | null;
    },
  ) => {
    const patch: ProjectPatch = {
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      ...(opts.capturePolicy !== undefined ? { capture_policy: opts.capturePolicy } : {}),
      ...(opts.retentionDays !== undefined ? { retention_days: opts.retentionDays } : {}),
      ...(opts.maxEvents !== undefined ? { max_events: opts.maxEvents } : {}),
    };
    if (Object.keys(patch).length === 0) {
      throw new InvalidArgumentError(
        'nothing to change: pass --retention-days, --max-events, --name or --capture-policy',
      );
    }
    await withAdmin(opts, async (admin) => {
      const p = await admin.updateProject(id, patch);
      print(`updated project ${p.id} (${p.name}): ${describeProject(p)}`);
    });
  },
);

const keys = program.command('keys').description('Create and list API keys');
connection(
  keys
    .command('create')
    .description(
      'Create an API key for a project; it is printed once and stored hashed\n\nExample:\n  tally keys create --project default --scope ingest',
    )
    .requiredOption('--project <id>', 'project the key belongs to')
    .addOption(
      new Option('--scope <scope>', "ingest: write only; read: read and write; manage: also delete the project's data")
        .choices(['ingest', 'read', 'manage'])
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'a label to recognise the key by'),
).action(async (opts: ClientOptions & { project: string; scope: KeyScope; name?: string }) => {
  await withAdmin(opts, async (admin) => {
    const k = await admin.createKey(opts.project, opts.scope, opts.name ?? null);
    print(
      `created ${k.scope} key ${k.id} for project ${k.project_id}. It is shown this once; store it now:\n  ${k.key}`,
    );
  });
});
connection(
  keys
    .command('list')
    .description('List the keys of a project (never the keys themselves)')
    .requiredOption('--project <id>', 'project'),
).action(async (opts: ClientOptions & { project: string }) => {
  await withAdmin(opts, async (admin) => {
    const rows = await admin.listKeys(opts.project);
    print(
      rows
        .map(
          (k) =>
            `${k.id}  ${k.prefix.padEnd(12)} ${k.scope.padEnd(7)} ${k.revoked_at ? 'revoked' : 'active '} ${k.name ?? ''}`,
        )
        .join('\n') || 'no keys',
    );
  });
});

program
  .command('openapi')
  .description('Print the OpenAPI document of this version of the API')
  .action(async () => {
    print(JSON.stringify(await generateOpenApi(), null, 2));
  });

/** Parses a flag that takes a whole number from 1 to `max`, or `none` to clear the setting. */
function wholeOrNone(flag: string, max: number): (value: string) => number | null {
  return (value) => {
    if (value === 'none') return null;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= max))
      throw new InvalidArgumentError(`${flag} must be a whole number from 1 to ${max}, or none`);
    return n;
  };
}

function describeProject(p: Project): string {
  const retention = p.retention_days === null ? 'server default' : `${p.retention_days} days`;
  return `capture=${p.capture_policy} retention=${retention} max_events=${p.max_events ?? 'none'}`;
}

async function withAdmin(
  opts: ClientOptions,
  fn: (a: Awaited<ReturnType<typeof connectAdmin>>) => Promise<void>,
): Promise<void> {
  const admin = await connectAdmin(env, opts, print);
  try {
    await fn(admin);
  } finally {
    await admin.close();
  }
}

program.addCommand(exportCommand(env, print));
program.addCommand(importCommand(env, print));
program.addCommand(syncCommand(env, print));
program.addCommand(usageCommand(env, print));
program.addCommand(budgetsCommand(env, print));
program.addCommand(alertsCommand(env, print));
program.addCommand(webhooksCommand(env, print));
program.addCommand(workerCommand(env, print));

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = e as Error;
  console.error(
    err instanceof ConfigError || err instanceof InvalidArgumentError ? err.message : `error: ${err.message}`,
  );
  process.exit(1);
});
