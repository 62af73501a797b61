import { importJWK, SignJWT, type CryptoKey, type KeyObject } from 'jose';
import type { Catalog } from '../keys/catalog.js';
import type { Algorithm } from '../keys/algorithms.js';
import { NoActiveKeyError, signingAlgorithms } from '../keys/signing-algorithms.js';
import { unsealJwk, type Keyring } from '../keys/seal.js';
import type { SecurityEvent } from './security-event.js';

/** Signs one event for one stream: a compact SET (RFC 8417). */
export type SignSet = (event: SecurityEvent, audience: string, jti: string) => Promise<string>;

/** The key that signs access tokens now: the active key of this instance's first signing algorithm. */
function activeKey(catalog: Catalog, listed: readonly Algorithm[]) {
  const [alg] = signingAlgorithms(catalog, listed);
  return catalog.keys.find((key) => key.state === 'active' && key.alg === alg && key.sealedPrivateJwk);
}

/**
 * SETs signed by the catalog's active key — the one that signs access tokens — at the moment of
 * signing, so a retry after a rollover is signed by the new key and verifies against `/jwks`.
 * Header `typ: secevent+jwt`; `txn` is the event id shared by its copies for every stream.
 */
export function setSigner(currentCatalog: () => Catalog | undefined, listed: readonly Algorithm[], keyring: Keyring, issuer: string): SignSet {
  const opened = new Map<string, Promise<CryptoKey | KeyObject | Uint8Array>>();
  const keyFor = (kid: string, sealed: string, alg: string) => {
    let key = opened.get(kid);
    if (!key) {
      key = unsealJwk(sealed, keyring, kid).then((jwk) => importJWK(jwk, alg));
      key.catch(() => opened.delete(kid));
      opened.set(kid, key);
    }
    return key;
  };
  return async (event, audience, jti) => {
    const catalog = currentCatalog();
    const signing = catalog && activeKey(catalog, listed);
    if (!signing?.sealedPrivateJwk) throw new NoActiveKeyError('no active key to sign security events with');
    // Only the signing key stays open in memory: a retired key's private part goes with it.
    for (const kid of opened.keys()) if (kid !== signing.kid) opened.delete(kid);
    const key = await keyFor(signing.kid, signing.sealedPrivateJwk, signing.alg);
    return new SignJWT({ sub_id: event.subId, txn: event.id, events: { [event.type]: event.payload } })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'secevent+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setJti(jti)
      .sign(key);
  };
}
