import type { Algorithm } from '../keys/algorithms.js';
import type { Catalog, KeyRecord } from '../keys/catalog.js';
import { applyEmergency, EmergencyRefused, planRevoke, planRollover, type RolloverPlan } from '../keys/emergency.js';
import { signingSchedule, type Policy } from '../keys/policy.js';
import type { KeySource } from './spare-keys.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import { CatalogOperationError } from './operation-error.js';
import { updateCatalog } from './update-catalog.js';
import { checkAlgorithm } from './rotate.js';

export interface EmergencyOptions {
  reason: string;
  dryRun?: boolean | undefined;
}

export interface RolloverResult {
  catalog: Catalog;
  activeKid: string;
  revokedKids: string[];
  /** The plan, for dry runs and the audit log. */
  plan: RolloverPlan;
  changed: boolean;
}

function refusedAsOperationError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EmergencyRefused) throw new CatalogOperationError(err.message, err.code);
    throw err;
  }
}

/**
 * Emergency rollover: one compare-and-set revokes the compromised key (private part destroyed)
 * and makes its successor active, so there is never a moment with no signer. A fresh key, when
 * needed, comes from `freshKey` before the write and is reused if the write has to be retried.
 */
export async function rollover(repo: CatalogStore, policy: Policy, freshKey: KeySource, target: { alg: Algorithm; compromisedKid?: string | undefined; promotePending?: boolean | undefined }, options: EmergencyOptions, now: () => Date): Promise<RolloverResult> {
  if (!target.compromisedKid) checkAlgorithm(policy, target.alg);
  let fresh: KeyRecord | undefined;
  const { catalog, result, changed } = await updateCatalog(repo, async (current) => {
    const plan = refusedAsOperationError(() => planRollover(current, target.alg, target.compromisedKid, target.promotePending));
    const at = now();
    if (!plan.promoteKid && !options.dryRun) {
      fresh ??= await freshKey(plan.alg, { state: 'active', createdAt: at, ...signingSchedule(at, policy) });
    }
    const activeKid = plan.promoteKid ?? fresh?.kid ?? '(new key)';
    const outcome = { plan, activeKid };
    if (options.dryRun) return { unchanged: true, result: outcome };
    return { keys: applyEmergency(current.keys, plan, plan.promoteKid ? undefined : fresh, policy, at, options.reason), result: outcome };
  });
  return { catalog, activeKid: result.activeKid, revokedKids: [result.plan.revokeKid, ...result.plan.alsoRevokeKids], plan: result.plan, changed };
}

/** Revokes a key that is not active (pending or retiring): it leaves every JWKS at once. */
export async function revokeKey(repo: CatalogStore, policy: Policy, kid: string, options: EmergencyOptions, now: () => Date): Promise<{ catalog: Catalog; revokedKids: string[]; changed: boolean }> {
  const { catalog, changed } = await updateCatalog(repo, async (current) => {
    const plan = refusedAsOperationError(() => planRevoke(current, kid));
    if (options.dryRun) return { unchanged: true, result: plan };
    return { keys: applyEmergency(current.keys, plan, undefined, policy, now(), options.reason), result: plan };
  });
  return { catalog, revokedKids: [kid], changed };
}
