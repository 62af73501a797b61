import type { Algorithm } from './algorithms.js';
import type { Catalog, KeyRecord } from './catalog.js';
import { retiringSchedule, signingSchedule, type Policy } from './policy.js';

/** Why an emergency change cannot be made. */
export type EmergencyRefusalCode = 'ROTOR_UNKNOWN_KID' | 'ROTOR_KEY_GONE' | 'ROTOR_KEY_ACTIVE' | 'ROTOR_NOTHING_TO_ROLL_OVER';

export class EmergencyRefused extends Error {
  constructor(message: string, readonly code: EmergencyRefusalCode) {
    super(message);
  }
}

export interface RolloverPlan {
  alg: Algorithm;
  revokeKid: string;
  /** Pending keys of the family revoked with it: whoever took the active key may hold them too. */
  alsoRevokeKids: string[];
  /** The already-published pending key that will sign at once, if there is one. */
  promoteKid: string | undefined;
  /** The active key that stops signing without being compromised. */
  demoteKid: string | undefined;
}

function findPublished(catalog: Catalog, kid: string): KeyRecord {
  const key = catalog.keys.find((candidate) => candidate.kid === kid);
  if (!key) throw new EmergencyRefused(`no key with kid ${kid}`, 'ROTOR_UNKNOWN_KID');
  if (key.state === 'retired' || key.state === 'revoked') throw new EmergencyRefused(`key ${kid} is already ${key.state}: it is out of the JWKS`, 'ROTOR_KEY_GONE');
  return key;
}

/**
 * Emergency rollover: the compromised key (default: the active one of `alg`) is revoked and a
 * new key signs at once. By default that is a fresh key, and every pending key of the family is
 * revoked too: an attacker who took the active key from a heap dump, or with the KEK, took the
 * pending ones as well. With `promotePending` the longest-published pending key signs instead
 * (resource servers already hold it), for a compromise known to touch one key only.
 */
export function planRollover(catalog: Catalog, alg: Algorithm, compromisedKid: string | undefined, promotePending = false): RolloverPlan {
  const target = compromisedKid ? findPublished(catalog, compromisedKid) : catalog.keys.find((key) => key.alg === alg && key.state === 'active');
  if (!target) throw new EmergencyRefused(`no active ${alg} key to roll over`, 'ROTOR_NOTHING_TO_ROLL_OVER');
  const family = catalog.keys.filter((key) => key.alg === target.alg);
  const active = family.find((key) => key.state === 'active');
  // A family with no signer (a start-up without it in keys.algorithms retired it) must not get one back.
  if (!active) throw new EmergencyRefused(`no ${target.alg} key signs any more (its family was dropped from keys.algorithms): revoke ${target.kid} instead`, 'ROTOR_NOTHING_TO_ROLL_OVER');
  const pending = family.filter((key) => key.state === 'pending' && key.kid !== target.kid).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const successor = promotePending ? pending[0] : undefined;
  return {
    alg: target.alg,
    revokeKid: target.kid,
    alsoRevokeKids: promotePending ? [] : pending.map((key) => key.kid),
    promoteKid: successor?.kid,
    demoteKid: active && active.kid !== target.kid ? active.kid : undefined,
  };
}

/** Revoking a key that is not active: it only leaves the JWKS. */
export function planRevoke(catalog: Catalog, kid: string): { revokeKid: string } {
  const key = findPublished(catalog, kid);
  if (key.state === 'active') throw new EmergencyRefused(`key ${kid} is active: use the emergency rollover, which puts a new key in its place`, 'ROTOR_KEY_ACTIVE');
  return { revokeKid: kid };
}

function revoked(key: KeyRecord, now: Date, reason: string): KeyRecord {
  return { ...key, state: 'revoked', revokedAt: now, reason, sealedPrivateJwk: null };
}

/** Applies a rollover or revocation plan; `fresh` is the new key when no pending one is promoted. */
export function applyEmergency(keys: KeyRecord[], plan: Partial<RolloverPlan> & { revokeKid: string }, fresh: KeyRecord | undefined, policy: Policy, now: Date, reason: string): KeyRecord[] {
  const next = keys.map((key) => {
    if (key.kid === plan.revokeKid || plan.alsoRevokeKids?.includes(key.kid)) return revoked(key, now, reason);
    if (key.kid === plan.promoteKid) return { ...key, state: 'active' as const, ...signingSchedule(now, policy) };
    if (key.kid === plan.demoteKid) return { ...key, state: 'retiring' as const, ...retiringSchedule(now, policy) };
    return key;
  });
  return fresh ? [...next, fresh] : next;
}
