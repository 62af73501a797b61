import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 16384, r: 8, p: 1, keylen: 32 };

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a password with scrypt; the parameters travel with the hash so they can grow later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, PARAMS.keylen, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

const isBounded = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max;

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
  if (salt.length < 16 || expected.length !== PARAMS.keylen) return false;
  try {
    const actual = await scryptAsync(password, salt, PARAMS.keylen, { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 });
    return timingSafeEqual(expected, actual);
  } catch {
    return false;
  }
}
