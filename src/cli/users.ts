import { isRole, ROLES, type Account, type Role } from '../store/account-store.js';
import { usageError } from './cli-error.js';
import { onePositional, parseFlags } from './flags.js';
import { cliLifecycle, refusalsAsCliErrors } from './lifecycle.js';
import type { CliContext } from './context.js';

const USAGE = 'rotor users add --username U (--password P | --password-stdin) [--role R]... | grant U ROLE | revoke-role U ROLE | list | disable U | enable U | set-password U (--password P | --password-stdin)';

const OPTIONS = {
  username: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' }, role: { type: 'string', multiple: true },
  reason: { type: 'string' }, json: { type: 'boolean' },
} as const;

/** The flags each command takes; `--json` goes everywhere. */
const FLAGS: Record<string, string[]> = {
  add: ['username', 'password', 'password-stdin', 'role'],
  grant: ['reason'],
  'revoke-role': ['reason'],
  list: [],
  disable: ['reason'],
  enable: ['reason'],
  'set-password': ['password', 'password-stdin', 'reason'],
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function passwordFrom(values: { password?: string | undefined; 'password-stdin'?: boolean | undefined }): Promise<string> {
  if (values.password !== undefined && values['password-stdin']) throw usageError('give --password or --password-stdin, not both');
  const password = values['password-stdin'] ? await readStdin() : values.password;
  if (!password) throw usageError('a password is required: --password P or --password-stdin');
  if (password.length < 8) throw usageError('the password must be at least 8 characters');
  return password;
}

function role(value: string): Role {
  if (!isRole(value)) throw usageError(`unknown role ${JSON.stringify(value)}; roles: ${ROLES.join(', ')}`);
  return value;
}

const describe = (account: Account): string => `${account.username}${account.roles.length > 0 ? `  roles: ${account.roles.join(',')}` : ''}${account.disabled ? '  disabled' : ''}`;

/** `rotor users add|grant|revoke-role|list|disable|enable|set-password`: every change is audited. */
export async function usersCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  const flags = FLAGS[action ?? ''];
  if (!flags) throw usageError(`unknown users command ${JSON.stringify(action ?? '')}; ${USAGE}`);
  const { values, positionals } = parseFlags(rest, OPTIONS);
  const misplaced = Object.keys(values).find((flag) => flag !== 'json' && !flags.includes(flag));
  if (misplaced) throw usageError(`--${misplaced} does not apply to rotor users ${action}`);
  const positional = (count: number, usage: string): string[] => {
    if (positionals.length !== count || positionals.some((value) => value.trim() === '')) throw usageError(`usage: ${usage}`);
    return positionals;
  };
  if (action === 'add') {
    positional(0, 'rotor users add --username U (--password P | --password-stdin) [--role R]...');
    if (!values.username) throw usageError('--username is required');
    if (!/^[A-Za-z0-9._@+-]{1,128}$/.test(values.username)) throw usageError('--username: use 1-128 letters, digits or . _ @ + -');
    const roles = (values.role ?? []).map(role);
    const password = await passwordFrom(values);
    const ctx = await open();
    const account = await refusalsAsCliErrors(() => cliLifecycle(ctx).addUser(ctx.principal, values.username!, password, roles));
    return ctx.out(`user ${account.username} added (sub ${account.sub})${roles.length > 0 ? ` with roles ${account.roles.join(', ')}` : ''}`, account);
  }
  if (action === 'grant' || action === 'revoke-role') {
    const [username, given] = positional(2, `rotor users ${action} U ROLE`) as [string, string];
    const granted = role(given);
    const ctx = await open();
    const operations = cliLifecycle(ctx);
    const account = await refusalsAsCliErrors(() => (action === 'grant' ? operations.grantRole : operations.revokeRole)(ctx.principal, username, granted, values.reason));
    return ctx.out(`user ${username} ${action === 'grant' ? 'now holds' : 'no longer holds'} the role ${granted}`, account);
  }
  if (action === 'list') {
    positional(0, 'rotor users list');
    const ctx = await open();
    const users = await ctx.store.accounts.list();
    return ctx.out(users.length > 0 ? users.map(describe).join('\n') : 'no users', { users });
  }
  if (action === 'disable' || action === 'enable') {
    const username = onePositional(positionals, `rotor users ${action} U`);
    const ctx = await open();
    const { account, artifacts } = await refusalsAsCliErrors(() => cliLifecycle(ctx).setUserDisabled(ctx.principal, username, action === 'disable', values.reason));
    const human = action === 'disable' ? `user ${username} disabled; ${artifacts} grants, tokens and sessions deleted` : `user ${username} enabled`;
    return ctx.out(human, { ...account, artifactsDeleted: artifacts });
  }
  if (action === 'set-password') {
    const username = onePositional(positionals, 'rotor users set-password U (--password P | --password-stdin)');
    const password = await passwordFrom(values);
    const ctx = await open();
    const { account, artifacts } = await refusalsAsCliErrors(() => cliLifecycle(ctx).setUserPassword(ctx.principal, username, password, values.reason));
    return ctx.out(`user ${username} has a new password; ${artifacts} grants, tokens and sessions deleted`, { ...account, artifactsDeleted: artifacts });
  }
  throw usageError(`unknown users command ${JSON.stringify(action)}; ${USAGE}`);
}
