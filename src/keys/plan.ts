import type { Algorithm } from './algorithms.js';
import type { Catalog, KeyRecord } from './catalog.js';
import type { KeySchedule } from './generate-key.js';
import { promotion, type Promotion, type UptakeGate } from './uptake.js';
import { addSeconds, demotedSchedule, promotedSchedule, rescheduledTimes, signingSchedule, type Policy, type Times } from './policy.js';

/** One change the catalog needs now. */
export type Transition =
  | { type: 'create'; alg: Algorithm; schedule: KeySchedule }
  /** `delay`: a due pending key held back until its consumers hold it, at most until `until`. */
  | Promotion
  | { type: 'demote'; kid: string; at: Date; reason?: string }
  | { type: 'retire'; kid: string; at: Date; reason?: string }
  | ({ type: 'reschedule'; kid: string } & Times);

/** What `plan` may do beyond the schedule the keys already carry. */
export interface PlanOptions {
  /**
   * Make the catalog follow this policy: retire the families it no longer lists and move the
   * keys' times to its durations. Done at start-up, where a changed configuration comes in;
   * the periodic job leaves it out, so two instances on different policies during a rolling
   * deploy never undo each other (the one started last has the say).
   */
  adopt?: boolean;
  /** With `keys.activation: "uptake"`: what the consumers of the JWKS hold (see {@link UptakeGate}). */
  uptake?: UptakeGate;
}


/** Why a family's keys stop: written on the keys, shown by `keys list`. */
export const DROPPED_REASON = 'its algorithm is no longer in keys.algorithms';

const byActivation = (a: KeyRecord, b: KeyRecord): number => a.activatesAt.getTime() - b.activatesAt.getTime();

/**
 * When a family without an active key gets a new one: `always` for a family this instance
 * adopts; `empty` for a family it only keeps up, and only when the family has never had a key
 * (first start), never where another instance's policy retired it; `never` for a family this
 * policy does not list.
 */
type Creation = 'always' | 'empty' | 'never';

function planFamily(keys: KeyRecord[], alg: Algorithm, policy: Policy, now: Date, creation: Creation, uptake?: UptakeGate): Transition[] {
  const out: Transition[] = [];
  const active = keys.find((key) => key.state === 'active');
  const pending = keys.filter((key) => key.state === 'pending').sort(byActivation);
  const due = pending.find((key) => key.activatesAt <= now);

  if (due) {
    const next = promotion(due, active, now, uptake);
    // A held key is recorded (and audited) once; the old key signs on meanwhile.
    if (next.type === 'delay') {
      if (!due.activationDelayedAt) out.push(next);
    } else {
      out.push(next);
      if (active) out.push({ type: 'demote', kid: active.kid, at: now });
    }
  } else if (!active) {
    // A listed family must never be left without a signer.
    if (creation === 'always' || (creation === 'empty' && keys.length === 0)) {
      out.push({ type: 'create', alg, schedule: { state: 'active', createdAt: now, ...signingSchedule(now, policy) } });
    }
  } else if (creation !== 'never' && pending.length === 0 && now >= addSeconds(active.retiresAt, -policy.prePublish)) {
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
 * A family the policy no longer lists stops signing now: its active key is demoted (published
 * for its overlap, then retired as usual) and its pending keys, which never signed, leave the
 * JWKS at once.
 */
function dropFamily(keys: KeyRecord[], now: Date): Transition[] {
  return keys.flatMap((key): Transition[] => {
    if (key.state === 'active') return [{ type: 'demote', kid: key.kid, at: now, reason: DROPPED_REASON }];
    if (key.state === 'pending') return [{ type: 'retire', kid: key.kid, at: now, reason: DROPPED_REASON }];
    return [];
  });
}

/** The algorithms of the policy first, then any other family the catalog holds. */
function families(keys: KeyRecord[], policy: Policy): Algorithm[] {
  return [...new Set([...policy.algorithms, ...keys.map((key) => key.alg)])];
}

const listed = (policy: Policy, alg: Algorithm): boolean => policy.algorithms.includes(alg);

/** The changes that make existing keys follow `policy`: dropped families retired, times moved. */
function adoptPolicy(keys: KeyRecord[], policy: Policy, now: Date): Transition[] {
  const drops = families(keys, policy).filter((alg) => !listed(policy, alg)).flatMap((alg) => dropFamily(keys.filter((key) => key.alg === alg), now));
  const dropped = applyTransitions(keys, drops, [], policy);
  const reschedules = families(dropped, policy).flatMap((alg) => {
    const family = dropped.filter((key) => key.alg === alg);
    // A family not listed keeps only retiring keys now; their overlap may grow like any other.
    const times = rescheduledTimes(listed(policy, alg) ? family : family.filter((key) => key.state === 'retiring'), policy, now);
    return [...times].map(([kid, at]): Transition => ({ type: 'reschedule', kid, ...at }));
  });
  return [...drops, ...reschedules];
}

/**
 * What the catalog should change now, from the policy and the clock alone: create the next
 * key `prePublish` ahead, promote it when due (demoting the old one), retire keys after
 * `overlap`, for every family the catalog holds (creating keys only for the families the
 * policy lists). With `adopt`, first make the existing keys follow the policy. Pure and
 * idempotent: applying the result and planning again yields nothing.
 */
export function plan(catalog: Catalog, policy: Policy, now: Date, options: PlanOptions = {}): Transition[] {
  const adjustments = options.adopt ? adoptPolicy(catalog.keys, policy, now) : [];
  const keys = adjustments.length > 0 ? applyTransitions(catalog.keys, adjustments, [], policy) : catalog.keys;
  const creation = (alg: Algorithm): Creation => {
    if (!listed(policy, alg)) return 'never';
    return options.adopt ? 'always' : 'empty';
  };
  const scheduled = families(keys, policy).flatMap((alg) => planFamily(keys.filter((key) => key.alg === alg), alg, policy, now, creation(alg), options.uptake));
  return [...adjustments, ...scheduled];
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
      continue;
    }
    const key = find(transition.kid);
    if (transition.type === 'promote') {
      Object.assign(key, { state: 'active', ...promotedSchedule(key, transition.at, policy) });
    } else if (transition.type === 'demote') {
      Object.assign(key, { state: 'retiring', ...demotedSchedule(key, transition.at, policy) });
    } else if (transition.type === 'delay') {
      key.activationDelayedAt = transition.at;
    } else if (transition.type === 'reschedule') {
      Object.assign(key, { activatesAt: transition.activatesAt, retiresAt: transition.retiresAt, removesAt: transition.removesAt });
    } else {
      key.state = 'retired';
      key.sealedPrivateJwk = null;
    }
    if ((transition.type === 'demote' || transition.type === 'retire') && transition.reason) key.reason = transition.reason;
  }
  return next;
}

/**
 * When the published JWKS will next change on schedule (a pending key appears, a retiring key
 * goes), or `undefined` when nothing is scheduled. Bounds the JWKS `Cache-Control` max-age.
 */
export function nextJwksChange(catalog: Catalog, policy: Policy, now: Date): Date | undefined {
  const times: number[] = [];
  for (const alg of families(catalog.keys, policy)) {
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
