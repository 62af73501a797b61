#!/usr/bin/env node
import { SettingsError } from '../settings/settings-error.js';
import { CliError, usageError } from './cli-error.js';
import type { CliContext } from './context.js';

const USAGE = `usage: rotor <command> [--json]
  rotor keys list
  rotor keys rotate [--alg A] [--reason R] [--dry-run]
  rotor keys rollover --reason R [--compromised KID] [--alg A] [--promote-pending] [--dry-run]
  rotor keys revoke KID --reason R [--dry-run]
  rotor keys approve REQUEST --reason R
  rotor audit verify [--anchors FILE]
  rotor kek rewrap [--reason R]
  rotor clients add --client-id ID --scope "a b" [--client-secret S] [--redirect-uri URI]... [--post-logout-redirect-uri URI]... [--grant-type G]... [--public] [--first-party] [--introspection] [--name N]
  rotor clients list
  rotor clients show ID
  rotor clients remove ID [--reason R]
  rotor clients rotate-secret ID [--reason R]
  rotor users add --username U (--password P | --password-stdin) [--role R]...
  rotor users list
  rotor users grant U ROLE [--reason R]
  rotor users revoke-role U ROLE [--reason R]
  rotor users disable U [--reason R]
  rotor users enable U [--reason R]
  rotor users set-password U (--password P | --password-stdin) [--reason R]`;

type Command = (args: string[], open: () => Promise<CliContext>) => Promise<void>;

/** Each group is loaded only when named: `--help` or a usage error loads no driver at all. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  users: async () => (await import('./users.js')).usersCommand,
  clients: async () => (await import('./clients.js')).clientsCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  kek: async () => (await import('./kek.js')).kekCommand,
};

async function run(argv: string[]): Promise<void> {
  const [group, ...args] = argv;
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const load = COMMANDS[group];
  if (!load) throw usageError(`unknown command ${JSON.stringify(group)}; commands: ${Object.keys(COMMANDS).join(', ')} (rotor --help)`);
  const command = await load();
  let context: CliContext | undefined;
  const open = async (): Promise<CliContext> => (context ??= await (await import('./context.js')).openContext(args.includes('--json')));
  try {
    await command(args, open);
  } finally {
    await context?.store.close();
  }
}

run(process.argv.slice(2)).then(() => process.exit(0), (err: Error) => {
  const known = err instanceof CliError || err instanceof SettingsError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  const line = (known ? err.message : `failed: ${err.message}`).split('\n').map((part) => part.trim()).filter(Boolean).join(' ');
  process.stderr.write(`rotor: ${line}\n`);
  process.exit(err instanceof CliError ? err.exitCode : (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
});
