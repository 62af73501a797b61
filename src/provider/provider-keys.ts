import type { JWK } from 'jose';
import type { Catalog } from '../keys/catalog.js';
import { unsealJwk, type Keyring } from '../keys/seal.js';
import type { Algorithm } from '../keys/algorithms.js';
import type { ProviderKeys } from './create-provider.js';

export class NoActiveKeyError extends Error {
  readonly code = 'ROTOR_NO_ACTIVE_KEY';
}

/** Opens a sealed private key; the holder passes a memoising version so each key opens once. */
export type Unseal = (sealed: string, kid: string) => Promise<JWK>;

/**
 * The private keys oidc-provider needs for one catalog version: the active key of each
 * algorithm first (these sign), then pending and retiring keys marked verify-only.
 */
export async function providerKeys(catalog: Catalog, algorithms: readonly Algorithm[], keyring: Keyring, open: Unseal = (sealed, kid) => unsealJwk(sealed, keyring, kid)): Promise<ProviderKeys> {
  const signers: JWK[] = [];
  const verifiers: JWK[] = [];
  for (const alg of algorithms) {
    const active = catalog.keys.find((key) => key.alg === alg && key.state === 'active');
    if (!active?.sealedPrivateJwk) throw new NoActiveKeyError(`catalog version ${catalog.version} has no active ${alg} key`);
    signers.push(await open(active.sealedPrivateJwk, active.kid));
  }
  for (const key of catalog.keys) {
    if ((key.state === 'pending' || key.state === 'retiring') && key.sealedPrivateJwk && algorithms.includes(key.alg)) {
      verifiers.push({ ...(await open(key.sealedPrivateJwk, key.kid)), key_ops: ['verify'] });
    }
  }
  const first = signers[0]!;
  return { jwks: [...signers, ...verifiers], signer: { alg: String(first.alg), kid: String(first.kid) } };
}
