import type { Algorithm } from './algorithms.js';
import type { Catalog, KeyRecord } from './catalog.js';
import type { KeySchedule } from './generate-key.js';
import { addSeconds, retiringSchedule, signingSchedule, type Policy } from './policy.js';

/** One change the catalog needs now. */
export type Transition =
  | { type: 'create'; alg: Algorithm; schedule: KeySchedule }
  | { type: 'promote'; kid: string; at: Date }
  | { type: 'demote'; kid: string; at: Date }
  | { type: 'retire'; kid: string; at: Date };

const byActivation = (a: KeyRecord, b: KeyRecord): number => a.activatesAt.getTime() - b.activatesAt.getTime();

function planFamily(keys: KeyRecord[], alg: Algorithm, policy: Policy, now: Date): Transition[] {
  const out: Transition[] = [];
  const active = keys.find((key) => key.state === 'active');
  const pending = keys.filter((key) => key.state === 'pending').sort(byActivation);
  const due = pending.find((key) => key.activatesAt <= now);

  if (due) {
    out.push({ type: 'promote', kid: due.kid, at: now });
    if (active) out.push({ type: 'demote', kid: active.kid, at: now });
  } else if (!active) {
    // Only at first start (or after manual damage): a family must never be left without a signer.
    out.push({ type: 'create', alg, schedule: { state: 'active', createdAt: now, ...signingSchedule(now, policy) } });
  } else if (pending.length === 0 && now >= addSeconds(active.retiresAt, -policy.prePublish)) {
    // Never sooner than prePublish from now, even when catching up after downtime.
    const activatesAt = new Date(Math.max(active.retiresAt.getTime(), addSeconds(now, policy.prePublish).getTime()));
    out.push({ type: 'create', alg, schedule: { state: 'pending', createdAt: now, ...signingSchedule(activatesAt, policy) } });
  }
  for (const key of keys) {
    if (key.state === 'retiring' && key.removesAt <= now) out.push({ type: 'retire', kid: key.kid, at: now });
  }
  return out;
}

/**
 * What the catalog should change now, from the policy and the clock alone: create the next
 * key `prePublish` ahead, promote it when due (demoting the old one), retire keys after
 * `overlap`. Pure and idempotent: applying the result and planning again yields nothing.
 */
export function plan(catalog: Catalog, policy: Policy, now: Date): Transition[] {
  return policy.algorithms.flatMap((alg) => planFamily(catalog.keys.filter((key) => key.alg === alg), alg, policy, now));
}

/** Applies transitions (with the keys generated for the `create`s, in order) to a key list. */
export function applyTransitions(keys: KeyRecord[], transitions: Transition[], created: KeyRecord[], policy: Policy): KeyRecord[] {
  const next = keys.map((key) => ({ ...key }));
  const find = (kid: string): KeyRecord => {
    const key = next.find((candidate) => candidate.kid === kid);
    if (!key) throw new Error(`transition names unknown kid ${kid}`);
    return key;
  };
  let createdIndex = 0;
  for (const transition of transitions) {
    if (transition.type === 'create') {
      next.push(created[createdIndex++]!);
    } else if (transition.type === 'promote') {
      const key = find(transition.kid);
      Object.assign(key, { state: 'active', ...signingSchedule(transition.at, policy) });
    } else if (transition.type === 'demote') {
      const key = find(transition.kid);
      Object.assign(key, { state: 'retiring', ...retiringSchedule(transition.at, policy) });
    } else {
      const key = find(transition.kid);
      key.state = 'retired';
      key.sealedPrivateJwk = null;
    }
  }
  return next;
}

/**
 * When the published JWKS will next change on schedule (a pending key appears, a retiring key
 * goes), or `undefined` when nothing is scheduled. Bounds the JWKS `Cache-Control` max-age.
 */
export function nextJwksChange(catalog: Catalog, policy: Policy, now: Date): Date | undefined {
  const times: number[] = [];
  for (const alg of policy.algorithms) {
    const family = catalog.keys.filter((key) => key.alg === alg);
    const active = family.find((key) => key.state === 'active');
    if (active && !family.some((key) => key.state === 'pending')) times.push(addSeconds(active.retiresAt, -policy.prePublish).getTime());
  }
  for (const key of catalog.keys) if (key.state === 'retiring') times.push(key.removesAt.getTime());
  const future = times.filter((time) => time > now.getTime());
  return future.length > 0 ? new Date(Math.min(...future)) : undefined;
}

/** When the reconciler will next have something to do: a creation, promotion or retirement. */
export function nextTransition(catalog: Catalog, policy: Policy, now: Date): Date | undefined {
  const jwksChange = nextJwksChange(catalog, policy, now);
  const promotions = catalog.keys.filter((key) => key.state === 'pending').map((key) => key.activatesAt.getTime());
  const times = [...promotions, ...(jwksChange ? [jwksChange.getTime()] : [])];
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}
