import { z } from 'zod';
import { ALGORITHMS } from './algorithms.js';

/** The states a signing key moves through; see CONTRACT.md "Key lifecycle". */
export const KEY_STATES = ['pending', 'active', 'retiring', 'retired', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** States whose public key is served in the JWKS. */
export const PUBLISHED_STATES: ReadonlySet<KeyState> = new Set(['pending', 'active', 'retiring']);

const publicJwk = z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string() })
  .refine((jwk) => !('d' in jwk) && !('k' in jwk), 'must not hold private members');

/** One signing key as stored in the catalog (validated whenever it is read back). */
export const keyRecordSchema = z.strictObject({
  kid: z.string().min(1),
  alg: z.enum(ALGORITHMS),
  state: z.enum(KEY_STATES),
  createdAt: z.date(),
  activatesAt: z.date(),
  retiresAt: z.date(),
  removesAt: z.date(),
  revokedAt: z.date().optional(),
  /** When a due pending key was first held back for its consumers (`keys.activation: "uptake"`). */
  activationDelayedAt: z.date().optional(),
  reason: z.string().optional(),
  publicJwk,
  sealedPrivateJwk: z.string().nullable(),
});
export type KeyRecord = z.infer<typeof keyRecordSchema>;

/** The whole catalog: one document, changed only by compare-and-set on `version`. */
export const catalogSchema = z.object({
  version: z.number().int().min(1),
  keys: z.array(keyRecordSchema),
});
export type Catalog = z.infer<typeof catalogSchema>;
