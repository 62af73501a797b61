import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, type JWK } from 'jose';
import { createHash } from 'node:crypto';

/** The key-encryption key: 32 bytes, with a short public id so a wrong KEK is named, not guessed. */
export interface Kek {
  id: string;
  key: Uint8Array;
}

export class SealError extends Error {
  readonly code = 'ROTOR_UNSEAL_FAILED';
}

/** Builds a KEK from its 32 raw bytes. */
export function kekFromBytes(bytes: Uint8Array): Kek {
  if (bytes.length !== 32) throw new SealError(`the KEK must be 32 bytes (got ${bytes.length})`);
  const id = createHash('sha256').update(bytes).digest('base64url').slice(0, 8);
  return { id, key: bytes };
}

/**
 * Seals a secret as a compact JWE (`dir`, AES-256-GCM) under the KEK. `bind` goes into the
 * protected header, which is authenticated: a sealed value moved to another record fails to open.
 */
export async function seal(plaintext: string, kek: Kek, bind: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: kek.id, bnd: bind })
    .encrypt(kek.key);
}

/** Opens what {@link seal} produced, checking the KEK id and the binding. */
export async function unseal(sealed: string, kek: Kek, bind: string): Promise<string> {
  const header = decodeProtectedHeader(sealed);
  if (header.kid !== kek.id) throw new SealError(`sealed under KEK ${String(header.kid)}, but this instance has KEK ${kek.id}`);
  if (header.bnd !== bind) throw new SealError(`sealed value belongs to ${String(header.bnd)}, not ${bind}`);
  try {
    const { plaintext } = await compactDecrypt(sealed, kek.key);
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new SealError(`cannot open the sealed value of ${bind} with KEK ${kek.id}`);
  }
}

export async function sealJwk(jwk: JWK, kek: Kek, kid: string): Promise<string> {
  return seal(JSON.stringify(jwk), kek, `key:${kid}`);
}

export async function unsealJwk(sealed: string, kek: Kek, kid: string): Promise<JWK> {
  return JSON.parse(await unseal(sealed, kek, `key:${kid}`)) as JWK;
}
