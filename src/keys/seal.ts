import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, type JWK } from 'jose';
import { kekById, type Keyring } from './keyring.js';
import { SealError } from './seal-error.js';

export { SealError } from './seal-error.js';
export { kekFromBytes, keyringOf, type Kek, type Keyring } from './keyring.js';

/**
 * Seals a secret as a compact JWE (`dir`, AES-256-GCM) under the keyring's first KEK, whose id
 * goes into the protected header as `kid`. `bind` goes there too; the header is authenticated,
 * so a sealed value moved to another record fails to open.
 */
export async function seal(plaintext: string, keyring: Keyring, bind: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keyring.sealing.id, bnd: bind })
    .encrypt(keyring.sealing.key);
}

/**
 * The id of the KEK a value was sealed under, read from its protected header without opening
 * it; `undefined` when the value is not a sealed value at all.
 */
export function sealedUnder(sealed: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(sealed);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** Opens what {@link seal} produced with the KEK its header names, checking the binding. */
export async function unseal(sealed: string, keyring: Keyring, bind: string): Promise<string> {
  const header = decodeProtectedHeader(sealed);
  const kek = typeof header.kid === 'string' ? kekById(keyring, header.kid) : undefined;
  if (!kek) {
    throw new SealError(`${bind} is sealed under KEK ${String(header.kid)}, which is not in KEK/KEK_FILE (this instance has ${keyring.all.map((one) => one.id).join(', ')})`);
  }
  if (header.bnd !== bind) throw new SealError(`sealed value belongs to ${String(header.bnd)}, not ${bind}`);
  try {
    const { plaintext } = await compactDecrypt(sealed, kek.key);
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new SealError(`cannot open the sealed value of ${bind} with KEK ${kek.id}`);
  }
}

/**
 * The value sealed again under the keyring's first KEK, or `undefined` when it already is
 * (what `rotor kek rewrap` skips, so a rerun does nothing twice).
 */
export async function reseal(sealed: string, keyring: Keyring, bind: string): Promise<string | undefined> {
  if (sealedUnder(sealed) === keyring.sealing.id) return undefined;
  return seal(await unseal(sealed, keyring, bind), keyring, bind);
}

/** The binding of a catalog key's sealed private part. */
export const keyBinding = (kid: string): string => `key:${kid}`;

export async function sealJwk(jwk: JWK, keyring: Keyring, kid: string): Promise<string> {
  return seal(JSON.stringify(jwk), keyring, keyBinding(kid));
}

export async function unsealJwk(sealed: string, keyring: Keyring, kid: string): Promise<JWK> {
  return JSON.parse(await unseal(sealed, keyring, keyBinding(kid))) as JWK;
}
