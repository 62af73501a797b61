import type { JWK } from 'jose';
import { PUBLISHED_STATES, type Catalog } from '../keys/catalog.js';
import { unsealJwk, type Keyring } from '../keys/seal.js';
import type { Algorithm } from '../keys/algorithms.js';
import { NoActiveKeyError, signingAlgorithms } from '../keys/signing-algorithms.js';
import type { ProviderKeys } from './create-provider.js';

/** Opens a sealed private key; the holder passes a memoising version so each key opens once. */
export type Unseal = (sealed: string, kid: string) => Promise<JWK>;

/**
 * The private keys oidc-provider needs for one catalog version: the active key of each signing
 * algorithm (`signingAlgorithms`) first, then every other published key marked verify-only.
 */
export async function providerKeys(catalog: Catalog, listed: readonly Algorithm[], keyring: Keyring, open: Unseal = (sealed, kid) => unsealJwk(sealed, keyring, kid)): Promise<ProviderKeys> {
  const algorithms = signingAlgorithms(catalog, listed);
  if (algorithms.length === 0) throw new NoActiveKeyError(`catalog version ${catalog.version} has no active key`);
  const signers: JWK[] = [];
  const verifiers: JWK[] = [];
  for (const alg of algorithms) {
    const active = catalog.keys.find((key) => key.alg === alg && key.state === 'active')!;
    signers.push(await open(active.sealedPrivateJwk!, active.kid));
  }
  const signing = new Set(signers.map((jwk) => jwk.kid));
  for (const key of catalog.keys) {
    if (PUBLISHED_STATES.has(key.state) && key.sealedPrivateJwk && !signing.has(key.kid)) {
      verifiers.push({ ...(await open(key.sealedPrivateJwk, key.kid)), key_ops: ['verify'] });
    }
  }
  const first = signers[0]!;
  return { jwks: [...signers, ...verifiers], algorithms, signer: { alg: String(first.alg), kid: String(first.kid) } };
}
