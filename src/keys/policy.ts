import type { Algorithm } from './algorithms.js';
import type { KeyRecord } from './catalog.js';

/** The rollover policy, in seconds (see CONTRACT.md `keys.*`). */
export interface Policy {
  algorithms: readonly Algorithm[];
  rotationInterval: number;
  prePublish: number;
  overlap: number;
}

/** A key's three scheduled times. */
export interface Times {
  activatesAt: Date;
  retiresAt: Date;
  removesAt: Date;
}

export const addSeconds = (at: Date, seconds: number): Date => new Date(at.getTime() + seconds * 1000);

const secondsBetween = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / 1000;

const latest = (...dates: Date[]): Date => new Date(Math.max(...dates.map((date) => date.getTime())));

/** The times of a key that signs from `activatesAt`: it stops after `rotationInterval`, and leaves the JWKS `overlap` later. */
export function signingSchedule(activatesAt: Date, policy: Pick<Policy, 'rotationInterval' | 'overlap'>): Times {
  const retiresAt = addSeconds(activatesAt, policy.rotationInterval);
  return { activatesAt, retiresAt, removesAt: addSeconds(retiresAt, policy.overlap) };
}

/** The times of a key that stops signing at `retiresAt`: it leaves the JWKS `overlap` later. */
export function retiringSchedule(retiresAt: Date, policy: Pick<Policy, 'overlap'>): { retiresAt: Date; removesAt: Date } {
  return { retiresAt, removesAt: addSeconds(retiresAt, policy.overlap) };
}

/**
 * The overlap a key was promised: how long it stays published after it stops signing. A
 * policy may lengthen it, never shorten it, since tokens it signed may be in flight under the
 * lifetimes of the policy that promised it.
 */
export const promisedOverlap = (key: Times, policy: Pick<Policy, 'overlap'>): number => Math.max(secondsBetween(key.retiresAt, key.removesAt), policy.overlap);

/**
 * A pending key starting to sign at `at`: it signs for as long as its own schedule says
 * (`reschedule` keeps that in step with the policy), so every instance promotes it alike
 * whatever its own configuration.
 */
export function promotedSchedule(key: Times, at: Date, policy: Pick<Policy, 'overlap'>): Times {
  const retiresAt = addSeconds(at, secondsBetween(key.activatesAt, key.retiresAt));
  return { activatesAt: at, retiresAt, removesAt: addSeconds(retiresAt, promisedOverlap(key, policy)) };
}

/** A key stopping at `at`: it stays published for its promised overlap. */
export function demotedSchedule(key: Times, at: Date, policy: Pick<Policy, 'overlap'>): { retiresAt: Date; removesAt: Date } {
  return { retiresAt: at, removesAt: addSeconds(at, promisedOverlap(key, policy)) };
}

const sameTimes = (a: Times, b: Times): boolean =>
  a.activatesAt.getTime() === b.activatesAt.getTime() && a.retiresAt.getTime() === b.retiresAt.getTime() && a.removesAt.getTime() === b.removesAt.getTime();

/**
 * The times one family's keys should have under `policy`, for the keys whose times change.
 * Never earlier than already promised: a pending key never signs sooner than it was to (nor
 * before it has been published for `prePublish`), and no key's overlap shrinks. A longer
 * `rotationInterval` moves the active key's end (and its scheduled successor) later; a shorter
 * one moves it sooner, but never before a successor has been published for `prePublish`. A
 * pending key due before the active key's end (a planned rotation on demand) keeps its time.
 */
export function rescheduledTimes(family: KeyRecord[], policy: Policy, now: Date): Map<string, Times> {
  const out = new Map<string, Times>();
  const propose = (key: KeyRecord, times: Times): void => {
    if (!sameTimes(key, times)) out.set(key.kid, times);
  };
  const pendingTimes = (key: KeyRecord, activatesAt: Date): Times => {
    const retiresAt = addSeconds(activatesAt, policy.rotationInterval);
    return { activatesAt, retiresAt, removesAt: addSeconds(retiresAt, promisedOverlap(key, policy)) };
  };
  const active = family.find((key) => key.state === 'active');
  const pending = family.filter((key) => key.state === 'pending').sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime());
  for (const key of family) {
    if (key.state === 'retiring') propose(key, { ...key, removesAt: addSeconds(key.retiresAt, promisedOverlap(key, policy)) });
  }
  const [successor, ...later] = active ? pending : [];
  for (const key of active ? later : pending) {
    propose(key, pendingTimes(key, latest(key.activatesAt, addSeconds(key.createdAt, policy.prePublish))));
  }
  if (!active) return out;
  const end = addSeconds(active.activatesAt, policy.rotationInterval);
  let retiresAt: Date;
  if (successor) {
    const scheduled = successor.activatesAt >= active.retiresAt;
    const activatesAt = latest(successor.activatesAt, addSeconds(successor.createdAt, policy.prePublish), ...(scheduled ? [end] : []));
    propose(successor, pendingTimes(successor, activatesAt));
    retiresAt = latest(end, activatesAt);
  } else {
    // The successor is created as soon as the end is prePublish away, so it is never sooner than that.
    retiresAt = latest(end, addSeconds(now, policy.prePublish));
  }
  propose(active, { activatesAt: active.activatesAt, retiresAt, removesAt: addSeconds(retiresAt, promisedOverlap(active, policy)) });
  return out;
}
