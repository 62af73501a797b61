import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt N=2^17, r=8, p=1: 128 MiB and a few hundred milliseconds per hash, by design. */
export const PASSWORD_PARAMS = { N: 2 ** 17, r: 8, p: 1, keylen: 32 } as const;

/** scrypt needs 128·N·r bytes; leave room above that for Node's own accounting. */
const maxmemFor = (N: number, r: number): number => 128 * N * r + 16 * 1024 * 1024;

/** At most this many scrypt computations run at once in a process; the rest wait their turn. */
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: Array<() => void> = [];

/**
 * Runs one scrypt computation once a slot is free. Logins then queue behind each other instead
 * of taking every thread of libuv's pool and the memory with them, so token signing goes on.
 */
async function scryptQueued(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((wake) => waiting.push(wake));
  running++;
  try {
    return await new Promise((resolve, reject) => {
      scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Hashes a password with scrypt; the parameters travel with the hash so they can grow later. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keylen } = PASSWORD_PARAMS;
  const salt = randomBytes(16);
  const hash = await scryptQueued(password, salt, keylen, { N, r, p, maxmem: maxmemFor(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

const isBounded = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max;

/** True when a stored hash was made with weaker parameters than today's: rehash it on the next login. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < PASSWORD_PARAMS.N || Number(r) < PASSWORD_PARAMS.r || Number(p) < PASSWORD_PARAMS.p;
}

/**
 * Checks a password against a stored hash in constant time. A malformed or weakened stored
 * hash (odd parameters, a short salt, a hash of the wrong length) never matches.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, hashText, ...extra] = stored.split('$');
  if (scheme !== 'scrypt' || extra.length > 0 || saltText === undefined || hashText === undefined) return false;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  if (!isBounded(N, 16384, 2 ** 20) || (N & (N - 1)) !== 0 || !isBounded(R, 8, 32) || !isBounded(P, 1, 16)) return false;
  const salt = Buffer.from(saltText, 'base64url');
  const expected = Buffer.from(hashText, 'base64url');
  if (salt.length < 16 || expected.length !== PASSWORD_PARAMS.keylen) return false;
  try {
    const actual = await scryptQueued(password, salt, PASSWORD_PARAMS.keylen, { N, r: R, p: P, maxmem: maxmemFor(N, R) });
    return timingSafeEqual(expected, actual);
  } catch {
    return false;
  }
}
