import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';
import type { Algorithm } from './algorithms.js';
import type { KeyRecord, KeyState } from './catalog.js';
import { sealJwk, type Keyring } from './seal.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Strips every private member, leaving what may be published. */
export function publicPart(jwk: JWK): JWK {
  const out: JWK = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete (out as Record<string, unknown>)[member];
  return out;
}

export interface KeySchedule {
  state: KeyState;
  createdAt: Date;
  activatesAt: Date;
  retiresAt: Date;
  removesAt: Date;
}

/**
 * Generates a key pair with jose, names it by its RFC 7638 thumbprint and seals the private
 * part under the KEK. RSA-2048 takes about 150 ms: callers generate outside any lock.
 */
export async function generateKey(alg: Algorithm, schedule: KeySchedule, keyring: Keyring): Promise<KeyRecord> {
  const options = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true, modulusLength: 2048 };
  const { privateKey } = await generateKeyPair(alg, options);
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk));
  const privateJwk: JWK = { ...jwk, kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    ...schedule,
    publicJwk: { ...publicPart(privateJwk), kid, alg, use: 'sig' } as KeyRecord['publicJwk'],
    sealedPrivateJwk: await sealJwk(privateJwk, keyring, kid),
  };
}
