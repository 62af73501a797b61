import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ConsoleSeal } from './console-seal.js';

/** How long a sign-in may take, from /console/login to the callback. */
export const SIGN_IN_SECONDS = 600;

const signInSchema = z.object({
  verifier: z.string(),
  nonce: z.string(),
  state: z.string(),
  returnTo: z.string(),
  /** Epoch milliseconds. */
  expiresAt: z.number(),
});

/** A sign-in under way: the PKCE verifier, state and nonce, until the browser comes back. */
export type SignIn = z.infer<typeof signInSchema>;

/** The sign-in, sealed for its cookie (nothing is stored on the server). */
export const sealSignIn = (seal: ConsoleSeal, signIn: SignIn): Promise<string> => seal.sealSignIn(signIn);

const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The sign-in the cookie carries, if it opens, has not expired and was started for `state`;
 * undefined for a cookie altered, forged, expired or of another sign-in.
 */
export async function openSignIn(seal: ConsoleSeal, cookie: string, state: string): Promise<SignIn | undefined> {
  const parsed = signInSchema.safeParse(await seal.openSignIn(cookie));
  if (!parsed.success || parsed.data.expiresAt < Date.now() || !same(parsed.data.state, state)) return undefined;
  return parsed.data;
}
