import type { KeyRecord } from './catalog.js';
import { addSeconds } from './policy.js';

/**
 * The data `keys.activation: "uptake"` decides on, fetched by the caller (keys/ does no I/O):
 * the kids each consumer seen within `readiness.window` that may hold activation last fetched
 * (a consumer Rotor cannot read counts as holding nothing). A due pending key activates once every one of them holds it,
 * or `maxDelay` seconds after it was due.
 */
export interface UptakeGate {
  consumers: ReadonlyArray<readonly string[]>;
  maxDelay: number;
}

/** Why a held key activated: audited on its promotion. */
export const UPTAKE_READY_REASON = 'every consumer seen holds it';
export const UPTAKE_TIMEOUT_REASON = 'keys.maxActivationDelay ran out';

/** What becomes of a due pending key: promoted now, or (under `uptake`) held a while longer. */
export type Promotion =
  | { type: 'promote'; kid: string; at: Date; reason?: string }
  | { type: 'delay'; kid: string; at: Date; dueAt: Date; until: Date };

/**
 * Whether a due key waits for its consumers: only under `uptake`, only while another key signs
 * (a family is never left without a signer), and never past `maxDelay` after it was due.
 */
export function promotion(due: KeyRecord, active: KeyRecord | undefined, now: Date, uptake: UptakeGate | undefined): Promotion {
  if (!uptake || !active) return { type: 'promote', kid: due.kid, at: now };
  const until = addSeconds(due.activatesAt, uptake.maxDelay);
  if (uptake.consumers.every((kids) => kids.includes(due.kid))) return { type: 'promote', kid: due.kid, at: now, reason: UPTAKE_READY_REASON };
  if (now >= until) return { type: 'promote', kid: due.kid, at: now, reason: UPTAKE_TIMEOUT_REASON };
  return { type: 'delay', kid: due.kid, at: now, dueAt: due.activatesAt, until };
}
