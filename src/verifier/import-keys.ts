import { importJWK, type CryptoKey, type JWK } from 'jose';

/** The public keys of one JWKS answer: kid -> alg -> imported key. */
export type KeyTable = Map<string, Map<string, CryptoKey>>;

/** Which algorithms a JWK without `alg` may serve, by its type and curve. */
function candidates(jwk: JWK): string[] {
  if (jwk.kty === 'RSA') return ['RS256', 'PS256'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return ['ES256'];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ['EdDSA'];
  return [];
}

/** The same key material, so an unchanged key is not imported again. */
const fingerprint = (jwk: JWK): string => JSON.stringify([jwk.kty, jwk.crv, jwk.alg, jwk.n, jwk.e, jwk.x, jwk.y]);

/**
 * Imports every usable signing key of a JWKS once, for the algorithms this verifier accepts.
 * Keys without a `kid`, for encryption, with private members, or that fail to import are skipped
 * (and reported through `skip`), so one odd key does not take the others down. Keys whose material
 * is unchanged since `previous` are reused as they are.
 */
export async function importKeys(
  jwks: { keys: unknown[] },
  algorithms: ReadonlySet<string>,
  previous: { table: KeyTable; fingerprints: Map<string, string> },
  skip: (kid: unknown, reason: string) => void,
): Promise<{ table: KeyTable; fingerprints: Map<string, string> }> {
  const table: KeyTable = new Map();
  const fingerprints = new Map<string, string>();
  for (const member of jwks.keys) {
    const jwk = member as JWK;
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string' || jwk.kid === '') {
      skip(undefined, 'a key without a kid');
      continue;
    }
    const problem = jwk.d !== undefined ? 'a private key in a public JWKS'
      : table.has(jwk.kid) ? 'a duplicate kid'
        : (jwk.use !== undefined && jwk.use !== 'sig') || (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) ? 'not a signing key' : undefined;
    if (problem) {
      skip(jwk.kid, problem);
      continue;
    }
    const print = fingerprint(jwk);
    const reuse = previous.fingerprints.get(jwk.kid) === print ? previous.table.get(jwk.kid) : undefined;
    const algs = (jwk.alg ? [jwk.alg] : candidates(jwk)).filter((alg) => algorithms.has(alg));
    const byAlg = reuse ?? new Map<string, CryptoKey>();
    try {
      if (!reuse) for (const alg of algs) byAlg.set(alg, await importJWK(jwk, alg) as CryptoKey);
    } catch (err) {
      skip(jwk.kid, `cannot import it: ${(err as Error).message}`);
      continue;
    }
    if (byAlg.size === 0) continue;
    table.set(jwk.kid, byAlg);
    fingerprints.set(jwk.kid, print);
  }
  return { table, fingerprints };
}
