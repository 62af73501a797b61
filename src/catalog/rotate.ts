import type { Algorithm } from '../settings/schema.js';
import type { Catalog, KeyRecord } from '../keys/catalog.js';
import { generateKey } from '../keys/generate-key.js';
import { addSeconds, type Policy } from '../keys/policy.js';
import type { Kek } from '../keys/seal.js';
import type { CatalogRepository } from '../store/catalog-repository.js';

export class CatalogOperationError extends Error {
  constructor(message: string, readonly code: string, readonly status = 400) {
    super(message);
  }
}

export interface RotateResult {
  catalog: Catalog;
  key: KeyRecord;
}

const MAX_ATTEMPTS = 10;

/**
 * Planned rotation on demand: the next key of `alg` signs as soon as it is safe. With no
 * pending key, a new one is published now and signs after `prePublish`; with one already
 * published, its activation moves forward to `createdAt + prePublish` (never earlier).
 */
export async function rotateNow(repo: CatalogRepository, policy: Policy, kek: Kek, alg: Algorithm, reason: string | undefined, now: () => Date): Promise<RotateResult> {
  if (!policy.algorithms.includes(alg)) throw new CatalogOperationError(`algorithm ${alg} is not configured (keys.algorithms: ${policy.algorithms.join(', ')})`, 'ROTOR_UNKNOWN_ALG');
  let generated: KeyRecord | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await repo.load();
    if (!current) throw new CatalogOperationError('the catalog is empty: start an instance first', 'ROTOR_NO_CATALOG', 409);
    const at = now();
    const pending = current.keys.filter((key) => key.alg === alg && key.state === 'pending').sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime())[0];
    let keys: KeyRecord[];
    let kid: string;
    if (pending) {
      const activatesAt = new Date(Math.max(addSeconds(pending.createdAt, policy.prePublish).getTime(), at.getTime()));
      if (activatesAt >= pending.activatesAt) return { catalog: current, key: pending };
      const retiresAt = addSeconds(activatesAt, policy.rotationInterval);
      keys = current.keys.map((key) => (key.kid === pending.kid ? { ...key, activatesAt, retiresAt, removesAt: addSeconds(retiresAt, policy.overlap), ...(reason ? { reason } : {}) } : key));
      kid = pending.kid;
    } else {
      const activatesAt = addSeconds(at, policy.prePublish);
      const retiresAt = addSeconds(activatesAt, policy.rotationInterval);
      generated ??= await generateKey(alg, { state: 'pending', createdAt: at, activatesAt, retiresAt, removesAt: addSeconds(retiresAt, policy.overlap) }, kek);
      keys = [...current.keys, { ...generated, ...(reason ? { reason } : {}) }];
      kid = generated.kid;
    }
    const written = await repo.compareAndSet(current.version, keys);
    if (written) return { catalog: written, key: written.keys.find((key) => key.kid === kid)! };
  }
  throw new CatalogOperationError(`rotation lost the compare-and-set ${MAX_ATTEMPTS} times in a row; retry`, 'ROTOR_CAS_CONTENDED', 409);
}
