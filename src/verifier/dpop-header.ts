import { decodeProtectedHeader, EmbeddedJWK, type JWK, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import { VerifierError, type DpopCheck } from './verifier-error.js';

/** Proof algorithms accepted by default (RFC 9449 §11.6: asymmetric only). */
export const DPOP_ALGORITHMS: readonly string[] = Object.freeze(['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519']);

/** Asymmetric signature algorithms jose knows: `none` and HS* can never be configured in. */
const ASYMMETRIC = /^(?:RS|PS|ES)(?:256|384|512)$|^(?:EdDSA|Ed25519)$|^ML-DSA-(?:44|65|87)$/;

/** Whether `alg` is an asymmetric signature algorithm, the only kind a DPoP proof may use. */
export const isAsymmetric = (alg: unknown): boolean => typeof alg === 'string' && ASYMMETRIC.test(alg);

/** JWK members that hold private or symmetric key material (RFC 7518 §6, and `priv` of ML-DSA keys). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/** A compact JWS: three base64url parts; the signature may be empty, so that `alg: none` is named as such. */
const COMPACT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** A refusal of the proof that names the check it failed. */
export const proofError = (check: DpopCheck, message: string, cause?: unknown): VerifierError =>
  new VerifierError('invalid_dpop_proof', message, { dpopCheck: check, cause });

/** The single proof of a `DPoP` header: Node joins repeated headers with commas, which a JWS never holds. */
export function singleProof(proof: string | readonly string[] | undefined): string {
  const values = typeof proof === 'string' ? [proof] : proof ?? [];
  const [value] = values;
  if (value === undefined || value.trim() === '') throw proofError('proof', 'no DPoP proof came with the request');
  if (values.length > 1 || value.includes(',')) throw proofError('proof', 'the request carries more than one DPoP proof');
  if (!COMPACT.test(value)) throw proofError('proof', 'the DPoP proof is not a compact JWS');
  return value;
}

/**
 * Checks the proof's protected header before any signature work: `typ` is `dpop+jwt`, `alg` is
 * asymmetric and accepted, and `jwk` is a public key. Returns the header.
 */
export function checkProofHeader(proof: string, algorithms: readonly string[]): JWSHeaderParameters & { alg: string; jwk: JWK } {
  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(proof) as JWSHeaderParameters;
  } catch (err) {
    throw proofError('proof', 'the DPoP proof header is not valid JSON', err);
  }
  const { typ, alg, jwk } = header;
  if (typeof typ !== 'string' || !['dpop+jwt', 'application/dpop+jwt'].includes(typ.toLowerCase())) throw proofError('typ', 'the DPoP proof\'s typ is not dpop+jwt');
  if (!isAsymmetric(alg) || !algorithms.includes(alg!)) throw proofError('alg', `the DPoP proof is signed with ${String(alg).slice(0, 20)}, which is not accepted (accepted: ${algorithms.join(' ')})`);
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw proofError('jwk', 'the DPoP proof header carries no jwk');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw proofError('jwk', 'the DPoP proof\'s jwk holds private key material');
  return header as JWSHeaderParameters & { alg: string; jwk: JWK };
}

/** jose's {@link EmbeddedJWK}, with a key it cannot import (wrong type or curve for `alg`) named as a `jwk` failure. */
export async function embeddedKey(header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<typeof EmbeddedJWK> {
  try {
    return await EmbeddedJWK(header, token);
  } catch (err) {
    throw proofError('jwk', `the DPoP proof's jwk cannot verify ${String(header.alg)}: ${(err as Error).message}`, err);
  }
}
