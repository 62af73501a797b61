import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { canonical, type ChainHead } from './chain.js';

/**
 * The chain's head exported outside MongoDB: `sig` is HMAC-SHA256 (base64url) under the
 * deployment's anchor key over the canonical JSON of `{seq, hash, at}`. Whoever can only write
 * to the database cannot make one, so a newer anchor vouches that the chain reached `seq` with
 * that `hash`.
 */
export interface Anchor extends ChainHead {
  /** ISO 8601. */
  at: string;
  sig: string;
}

/** One line of an anchor file, as read: the shape only; {@link anchorSigned} checks the signature. */
export const anchorLine = z.strictObject({
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.iso.datetime(),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

const sign = (key: Uint8Array, { seq, hash, at }: Omit<Anchor, 'sig'>): Buffer => createHmac('sha256', key).update(canonical({ seq, hash, at })).digest();

/** Signs the head as of `at`. */
export function signAnchor(key: Uint8Array, head: ChainHead, at: Date): Anchor {
  const unsigned = { seq: head.seq, hash: head.hash, at: at.toISOString() };
  return { ...unsigned, sig: sign(key, unsigned).toString('base64url') };
}

/** Whether the anchor's signature is right under `key`. */
export function anchorSigned(key: Uint8Array, anchor: Anchor): boolean {
  const given = Buffer.from(anchor.sig, 'base64url');
  const expected = sign(key, anchor);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
