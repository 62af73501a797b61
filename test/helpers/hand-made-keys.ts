import type { Algorithm } from '../../src/keys/algorithms.js';
import type { Catalog, KeyRecord, KeyState } from '../../src/keys/catalog.js';
import { applyTransitions, plan, type PlanOptions, type Transition } from '../../src/keys/plan.js';
import type { Policy } from '../../src/keys/policy.js';

/** A fake clock: seconds after a fixed origin. */
export const T0 = Date.parse('2030-01-01T00:00:00Z');
export const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
export const secondsOf = (date: Date): number => (date.getTime() - T0) / 1000;

let serial = 0;

const KTY: Partial<Record<Algorithm, string>> = { RS256: 'RSA', PS256: 'RSA', EdDSA: 'OKP' };

/** A key record by hand: no crypto, the plan only looks at states and times. */
export function key(alg: Algorithm, state: KeyState, times: { created: number; activates: number; retires: number; removes: number }): KeyRecord {
  const kid = `${alg}-${++serial}`;
  return {
    kid, alg, state,
    createdAt: at(times.created), activatesAt: at(times.activates), retiresAt: at(times.retires), removesAt: at(times.removes),
    publicJwk: { kty: KTY[alg] ?? 'EC', kid, alg },
    sealedPrivateJwk: state === 'retired' || state === 'revoked' ? null : `sealed:${kid}`,
  };
}

/** What generateKey would return for a `create` transition, minus the crypto. */
export function keyFor(transition: Extract<Transition, { type: 'create' }>): KeyRecord {
  const kid = `${transition.alg}-${++serial}`;
  return { kid, alg: transition.alg, ...transition.schedule, publicJwk: { kty: KTY[transition.alg] ?? 'EC', kid, alg: transition.alg }, sealedPrivateJwk: `sealed:${kid}` };
}

/** One reconcile: plan, generate, apply (with `adopt`, as an instance starting with `policy` does). */
export function reconcileOnce(catalog: Catalog, policy: Policy, now: Date, options: PlanOptions = {}): { catalog: Catalog; transitions: Transition[] } {
  const transitions = plan(catalog, policy, now, options);
  if (transitions.length === 0) return { catalog, transitions };
  const created = transitions.flatMap((t) => (t.type === 'create' ? [keyFor(t)] : []));
  return { catalog: { version: catalog.version + 1, keys: applyTransitions(catalog.keys, transitions, created, policy) }, transitions };
}

export const catalogOf = (...keys: KeyRecord[]): Catalog => ({ version: 1, keys });
export const byKid = (catalog: Catalog, kid: string): KeyRecord => catalog.keys.find((k) => k.kid === kid)!;
