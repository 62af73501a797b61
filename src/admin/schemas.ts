import { z } from 'zod';
import { ALGORITHMS } from '../keys/algorithms.js';

/** Why a change is made: every change through the admin API needs one. */
export const reason = z.string({ message: 'reason is required: say why' }).trim().min(3, 'reason must say why (at least 3 characters)').max(500, 'reason is at most 500 characters');
const kid = z.string().min(1).max(200).regex(/^[A-Za-z0-9._~-]+$/, 'kid has unexpected characters');

export const rotateBody = z.strictObject({
  reason,
  alg: z.enum(ALGORITHMS).optional(),
  dryRun: z.boolean().optional(),
});

export const rolloverBody = z.strictObject({
  reason,
  compromisedKid: kid.optional(),
  alg: z.enum(ALGORITHMS).optional(),
  /** Let the longest-published pending key sign instead of a fresh one (and spare the pending keys). */
  promotePending: z.boolean().optional(),
  dryRun: z.boolean().optional(),
});

export const revokeBody = z.strictObject({
  reason,
  dryRun: z.boolean().optional(),
});

export const approveBody = z.strictObject({
  reason,
});

export const kidParam = kid;

/** An emergency request's id in a path: what Rotor makes (16 base64url characters) fits; nothing else reaches the store or the audit log. */
export const requestIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a request id is 1 to 64 characters of A-Z, a-z, 0-9, - and _');

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
