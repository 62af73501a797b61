import type { Catalog, KeyRecord } from '../keys/catalog.js';
import { generateKey } from '../keys/generate-key.js';
import { applyTransitions, plan, type Transition } from '../keys/plan.js';
import type { Policy } from '../keys/policy.js';
import type { Kek } from '../keys/seal.js';
import type { CatalogRepository } from '../store/catalog-repository.js';

export interface ReconcileResult {
  catalog: Catalog;
  transitions: Transition[];
}

const MAX_ATTEMPTS = 10;

/**
 * Brings the catalog to what the policy says it should be now. Keys are generated outside the
 * compare-and-set, so a slow RSA generation never holds anything; if another instance wins the
 * race we re-plan from what it wrote (usually: nothing left to do) and our keys are dropped.
 */
export async function reconcile(repo: CatalogRepository, policy: Policy, kek: Kek, now: () => Date): Promise<ReconcileResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = (await repo.load()) ?? { version: 0, keys: [] };
    const at = now();
    const transitions = plan(current, policy, at);
    if (transitions.length === 0) return { catalog: current, transitions };
    const created: KeyRecord[] = [];
    for (const transition of transitions) {
      if (transition.type === 'create') created.push(await generateKey(transition.alg, transition.schedule, kek));
    }
    const written = await repo.compareAndSet(current.version, applyTransitions(current.keys, transitions, created, policy));
    if (written) return { catalog: written, transitions };
  }
  throw new Error(`catalog reconcile lost the compare-and-set ${MAX_ATTEMPTS} times in a row`);
}
