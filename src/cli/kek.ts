import { parseFlags } from './flags.js';
import { CliError, usageError } from './cli-error.js';
import type { CliContext } from './context.js';
import { rewrapCatalogKeys } from '../catalog/rewrap-keys.js';
import { rewrapRootSecret } from '../store/root-secret.js';
import { sealedValues } from '../store/sealed-values.js';
import { sealedUnder } from '../keys/seal.js';

const USAGE = 'rotor kek rewrap [--reason R]';

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * Seals every sealed value again under the first KEK: the root secret, the catalog's private
 * keys (one new catalog version), client secrets (one at a time). Values already under it are
 * skipped, so a rerun after a crash finishes the job. One audit event `kek.rewrap` with counts.
 */
async function rewrap(ctx: CliContext, reason: string | undefined): Promise<void> {
  const { keyring, store } = ctx;
  const first = keyring.sealing.id;
  const root = await rewrapRootSecret(store.secretRepository, keyring);
  const keys = await rewrapCatalogKeys(store.catalog, keyring);
  const clients = await store.clients.rewrapSecrets();
  const remaining = (await sealedValues(store.secretRepository, store.catalog, store.clients)).filter((value) => sealedUnder(value.sealed) !== first).length;
  const others = keyring.all.slice(1).map((kek) => kek.id);
  const counts = { rootSecret: root ? 1 : 0, catalogKeys: keys.rewrapped, clientSecrets: clients.rewrapped };
  const alreadyCurrent = keys.alreadyCurrent + clients.alreadyCurrent + (root ? 0 : 1);
  await ctx.controls().audit.record({
    ...ctx.principal, action: 'kek.rewrap', target: first, reason, version: keys.version, outcome: 'ok',
    detail: { ...counts, alreadyCurrent, skipped: clients.skipped, remaining, otherKeks: others },
  });
  const result = { kekId: first, rewrapped: counts, alreadyCurrent, skipped: clients.skipped, remaining, catalogVersion: keys.version, removableKeks: remaining === 0 ? others : [] };
  const summary = `sealed again under KEK ${first}: ${count(counts.rootSecret, 'root secret')}, ${count(counts.catalogKeys, 'catalog key')} (catalog version ${keys.version}), ${count(counts.clientSecrets, 'client secret')}; ${alreadyCurrent} already under it`;
  if (remaining > 0) {
    if (ctx.json) ctx.out('', result);
    throw new CliError(`${summary}; ${count(remaining, 'sealed value')} changed meanwhile and are still under another KEK: run rotor kek rewrap again`);
  }
  ctx.out(`${summary}. ${others.length > 0 ? `Nothing is sealed under ${others.join(', ')} any more: ${others.length === 1 ? 'it' : 'they'} may be removed from KEK/KEK_FILE once every instance runs with ${first} first.` : 'KEK/KEK_FILE holds no other KEK.'}`, result);
}

/** `rotor kek rewrap` */
export async function kekCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseFlags(rest, { json: { type: 'boolean' }, reason: { type: 'string' } });
  if (action !== 'rewrap') throw usageError(`unknown kek command ${JSON.stringify(action ?? '')}; usage: ${USAGE}`);
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}; usage: ${USAGE}`);
  await rewrap(await open(), values.reason);
}
