import type { Catalog, KeyRecord } from '../keys/catalog.js';
import { generateKey } from '../keys/generate-key.js';
import { applyTransitions, plan, type PlanOptions, type Transition } from '../keys/plan.js';
import type { Policy } from '../keys/policy.js';
import type { Keyring } from '../keys/seal.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import { updateCatalog } from './update-catalog.js';

export interface ReconcileResult {
  catalog: Catalog;
  transitions: Transition[];
}

/**
 * Brings the catalog to what the policy says it should be now. Keys are generated outside the
 * compare-and-set, so a slow RSA generation never holds anything; if another instance wins the
 * race we re-plan from what it wrote (usually: nothing left to do) and our keys are dropped.
 * `adopt` (start-up) also makes the existing keys follow this policy (see `PlanOptions`).
 */
export async function reconcile(repo: CatalogStore, policy: Policy, keyring: Keyring, now: () => Date, options: PlanOptions = {}): Promise<ReconcileResult> {
  const { catalog, result } = await updateCatalog(repo, async (current) => {
    const transitions = plan(current, policy, now(), options);
    if (transitions.length === 0) return { unchanged: true, result: transitions };
    const created: KeyRecord[] = [];
    for (const transition of transitions) {
      if (transition.type === 'create') created.push(await generateKey(transition.alg, transition.schedule, keyring));
    }
    return { keys: applyTransitions(current.keys, transitions, created, policy), result: transitions };
  }, { emptyOk: true });
  return { catalog, transitions: result };
}
