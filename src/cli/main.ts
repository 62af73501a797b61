#!/usr/bin/env node
import { SettingsError } from '../settings/settings-error.js';
import { CliError, usageError } from './cli-error.js';
import { openContext, type CliContext } from './context.js';
import { usersCommand } from './users.js';
import { clientsCommand } from './clients.js';
import { keysCommand } from './keys.js';
import { auditCommand } from './audit.js';

const USAGE = `usage: rotor <command> [--json]
  rotor keys list
  rotor keys rotate [--alg A] [--reason R] [--dry-run]
  rotor keys rollover --reason R [--compromised KID] [--alg A] [--dry-run]
  rotor keys revoke KID --reason R [--dry-run]
  rotor keys approve REQUEST --reason R
  rotor audit verify
  rotor clients add --client-id ID --scope "a b" [--client-secret S] [--redirect-uri URI]... [--grant-type G]... [--public] [--first-party] [--introspection] [--name N]
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

const COMMANDS: Record<string, (args: string[], open: () => Promise<CliContext>) => Promise<void>> = {
  users: usersCommand,
  clients: clientsCommand,
  keys: keysCommand,
  audit: auditCommand,
};

async function run(argv: string[]): Promise<void> {
  const [group, ...args] = argv;
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const command = COMMANDS[group];
  if (!command) throw usageError(`unknown command ${JSON.stringify(group)}\n${USAGE}`);
  let context: CliContext | undefined;
  const open = async (): Promise<CliContext> => (context ??= await openContext(args.includes('--json')));
  try {
    await command(args, open);
  } finally {
    await context?.store.close();
  }
}

run(process.argv.slice(2)).then(() => process.exit(0), (err: Error) => {
  const known = err instanceof CliError || err instanceof SettingsError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`rotor: ${known ? err.message : `failed: ${err.message}`}\n`);
  process.exit(err instanceof CliError ? err.exitCode : (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
});
