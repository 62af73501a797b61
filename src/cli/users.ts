import { parseArgs } from 'node:util';
import { AccountExistsError } from '../store/account-store.js';
import { CliError, usageError } from './cli-error.js';
import type { CliContext } from './context.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `rotor users add --username U (--password P | --password-stdin)` */
export async function usersCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'add') throw usageError(`unknown users command ${JSON.stringify(action ?? '')}; try: rotor users add --username U --password-stdin`);
  const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  if (!values.username) throw usageError('--username is required');
  if (!/^[A-Za-z0-9._@+-]{1,128}$/.test(values.username)) throw usageError('--username: use 1-128 letters, digits or . _ @ + -');
  if (values.password !== undefined && values['password-stdin']) throw usageError('give --password or --password-stdin, not both');
  const password = values['password-stdin'] ? await readStdin() : values.password;
  if (!password) throw usageError('a password is required: --password P or --password-stdin');
  if (password.length < 8) throw usageError('the password must be at least 8 characters');
  const ctx = await open();
  try {
    const account = await ctx.store.accounts.add(values.username, password);
    ctx.out(`user ${account.username} added (sub ${account.sub})`, account);
  } catch (err) {
    if (err instanceof AccountExistsError) throw new CliError(err.message);
    throw err;
  }
}
