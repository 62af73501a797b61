import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { reseal, seal, unseal, type Keyring } from '../keys/seal.js';
import type { SecretRepository } from './secret-repository.js';

/** The root secret's `_id` in collection `secrets`, and the binding of its seal. */
export const ROOT_ID = 'root';
export const ROOT_BINDING = 'secret:root';

export class RootSecretError extends Error {
  readonly code = 'ROTOR_ROOT_SECRET';
}

/** Why a root secret was created now: a fresh database, or the first start of a Rotor that has one over an older database. */
export type RootCreation = 'new deployment' | 'upgrade';

// A root another instance is inserting right now may show its collection a moment before its
// document; before refusing, look again a few times.
const SETTLE_ATTEMPTS = 5;
const SETTLE_MS = 200;

async function open(sealed: string, keyring: Keyring): Promise<Buffer> {
  const root = Buffer.from(await unseal(sealed, keyring, ROOT_BINDING), 'base64');
  if (root.length !== 32) throw new RootSecretError(`the deployment's root secret in MongoDB (collection secrets) is not 32 bytes`);
  return root;
}

/**
 * The deployment's root secret: 32 random bytes made once, stored sealed under the first KEK,
 * from which the keys of stored bearer values, the audit chain, cookies and CSRF are derived
 * (so they outlive any KEK). Created when the database has none: when nothing in it depends on
 * a root yet (`inUse` false: no catalog, no audit event), or on the first start of this
 * version over an older database, recognised by the `secrets` collection not existing. A root
 * missing from a `secrets` collection is refused: minting a new one would silently end every
 * session and refresh token and orphan the audit chain and its anchors. Dropping the whole
 * collection is how an operator starts over; done by anyone else, it forges nothing: the
 * keyed events and anchors made under the old root stop verifying, which `audit verify` reports.
 */
export async function loadRootSecret(repo: SecretRepository, keyring: Keyring, inUse: () => Promise<boolean>): Promise<{ root: Buffer; created?: RootCreation }> {
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    const sealed = await repo.sealed(ROOT_ID);
    if (sealed) return { root: await open(sealed, keyring) };
    const used = await inUse();
    if (!used || !(await repo.everUsed())) {
      const root = randomBytes(32);
      if (await repo.create(ROOT_ID, await seal(root.toString('base64'), keyring, ROOT_BINDING))) return { root, created: used ? 'upgrade' : 'new deployment' };
      continue;
    }
    await sleep(SETTLE_MS);
  }
  throw new RootSecretError('the deployment\'s root secret (MongoDB collection secrets, _id "root") is missing from a database that has used one: restore it from a backup, or drop the collection secrets to start over (every session and refresh token ends, and the audit chain made before no longer verifies)');
}

/**
 * Seals the root secret again under the first KEK if it is under another; `false` when there
 * was nothing to do (already under it, or replaced meanwhile by another rewrap).
 */
export async function rewrapRootSecret(repo: SecretRepository, keyring: Keyring): Promise<boolean> {
  const sealed = await repo.sealed(ROOT_ID);
  const resealed = sealed === undefined ? undefined : await reseal(sealed, keyring, ROOT_BINDING);
  return resealed !== undefined && repo.replace(ROOT_ID, sealed!, resealed);
}
