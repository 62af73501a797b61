import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The kinds of secret Rotor mints in a form a scanner recognises. */
export type RecognisableKind = 'refresh_token' | 'client_secret';

/** What each kind starts with (CONTRACT.md "Access control"). */
export const TOKEN_PREFIXES: Readonly<Record<RecognisableKind, string>> = { refresh_token: 'rotor_rt_', client_secret: 'rotor_cs_' };

const RANDOM_BYTES = 32;
const CHECKSUM_BYTES = 4;

/**
 * What a scanner looks for (README "Leaked tokens"): the prefix, then 48 base64url characters
 * (32 random bytes and the big-endian CRC-32 of the prefix and those bytes), standing alone.
 * The CRC-32 is no secret: it lets a scanner tell a real token from a look-alike offline.
 */
export const TOKEN_PATTERNS: Readonly<Record<RecognisableKind, RegExp>> = {
  refresh_token: /(?<![A-Za-z0-9_-])rotor_rt_[A-Za-z0-9_-]{48}(?![A-Za-z0-9_-])/,
  client_secret: /(?<![A-Za-z0-9_-])rotor_cs_[A-Za-z0-9_-]{48}(?![A-Za-z0-9_-])/,
};

const WHOLE = /^rotor_(rt|cs)_([A-Za-z0-9_-]{48})$/;

const checksum = (prefix: string, random: Buffer): Buffer => {
  const out = Buffer.alloc(CHECKSUM_BYTES);
  out.writeUInt32BE(crc32(random, crc32(prefix)));
  return out;
};

/**
 * A new secret of `kind`: its prefix, 256 random bits and their checksum, in base64url. `bits`
 * replaces the random ones where a value must be derived (a refresh token's one successor).
 */
export function mintToken(kind: RecognisableKind, bits: Buffer = randomBytes(RANDOM_BYTES)): string {
  if (bits.length !== RANDOM_BYTES) throw new RangeError(`a token carries ${RANDOM_BYTES} bytes (got ${bits.length})`);
  const prefix = TOKEN_PREFIXES[kind];
  return `${prefix}${Buffer.concat([bits, checksum(prefix, bits)]).toString('base64url')}`;
}

/**
 * Which kind of Rotor secret `token` is, by its form alone: `undefined` unless it is exactly a
 * prefix and 48 characters whose checksum holds. Secrets minted before the checksum (the prefix
 * and 43 characters) are not recognised here, though they still work.
 */
export function recognise(token: string): RecognisableKind | undefined {
  const match = WHOLE.exec(token);
  if (!match) return undefined;
  const kind: RecognisableKind = match[1] === 'rt' ? 'refresh_token' : 'client_secret';
  const raw = Buffer.from(match[2]!, 'base64url');
  if (raw.length !== RANDOM_BYTES + CHECKSUM_BYTES || raw.toString('base64url') !== match[2]) return undefined;
  const random = raw.subarray(0, RANDOM_BYTES);
  return checksum(TOKEN_PREFIXES[kind], random).equals(raw.subarray(RANDOM_BYTES)) ? kind : undefined;
}
