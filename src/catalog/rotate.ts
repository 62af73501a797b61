import type { Algorithm } from '../keys/algorithms.js';
import type { Catalog, KeyRecord } from '../keys/catalog.js';
import { generateKey } from '../keys/generate-key.js';
import { addSeconds, signingSchedule, type Policy } from '../keys/policy.js';
import type { Keyring } from '../keys/seal.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import { CatalogOperationError } from './operation-error.js';
import { updateCatalog } from './update-catalog.js';

export interface RotateResult {
  catalog: Catalog;
  key: KeyRecord;
  changed: boolean;
}

export function checkAlgorithm(policy: Policy, alg: string): Algorithm {
  if (!(policy.algorithms as readonly string[]).includes(alg)) {
    throw new CatalogOperationError(`algorithm ${alg} is not configured (keys.algorithms: ${policy.algorithms.join(', ')})`, 'ROTOR_UNKNOWN_ALG');
  }
  return alg as Algorithm;
}

/**
 * Planned rotation on demand: the next key of `alg` signs as soon as it is safe. With no
 * pending key, a new one is published now and signs after `prePublish`; with one already
 * published, its activation moves forward to `createdAt + prePublish` (never earlier).
 * With `dryRun`, reports the key it would add or move and writes nothing.
 */
export async function rotateNow(repo: CatalogStore, policy: Policy, keyring: Keyring, alg: Algorithm, options: { reason?: string | undefined; dryRun?: boolean }, now: () => Date): Promise<RotateResult> {
  checkAlgorithm(policy, alg);
  let generated: KeyRecord | undefined;
  const { catalog, result, changed } = await updateCatalog(repo, async (current) => {
    const at = now();
    const pending = current.keys.filter((key) => key.alg === alg && key.state === 'pending').sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime())[0];
    const reason = options.reason ? { reason: options.reason } : {};
    let key: KeyRecord;
    let keys: KeyRecord[];
    if (pending) {
      const activatesAt = new Date(Math.max(addSeconds(pending.createdAt, policy.prePublish).getTime(), at.getTime()));
      if (activatesAt >= pending.activatesAt) return { unchanged: true, result: pending };
      key = { ...pending, ...signingSchedule(activatesAt, policy), ...reason };
      keys = current.keys.map((candidate) => (candidate.kid === pending.kid ? key : candidate));
    } else {
      const schedule = { state: 'pending' as const, createdAt: at, ...signingSchedule(addSeconds(at, policy.prePublish), policy) };
      if (options.dryRun) return { unchanged: true, result: { kid: '(new key)', alg, ...schedule, publicJwk: { kty: '', kid: '', alg }, sealedPrivateJwk: null, ...reason } };
      generated ??= await generateKey(alg, schedule, keyring);
      key = { ...generated, ...reason };
      keys = [...current.keys, key];
    }
    return options.dryRun ? { unchanged: true, result: key } : { keys, result: key };
  });
  return { catalog, key: result, changed };
}
