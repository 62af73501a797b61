import { errors } from 'jose';
import { VerifierError } from './verifier-error.js';

const CLAIM_CODES: Record<string, VerifierError['code']> = { aud: 'wrong_audience', iss: 'wrong_issuer' };

/**
 * Turns whatever `jwtVerify` threw into a {@link VerifierError}. Our own errors (thrown from the
 * key resolver) pass through; anything unrecognised is `malformed`, never a silent success.
 */
export function mapJoseError(err: unknown): VerifierError {
  if (err instanceof VerifierError) return err;
  if (err instanceof errors.JWTExpired) return new VerifierError('expired', 'the token has expired', { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) {
    const code = CLAIM_CODES[err.claim] ?? 'invalid_claims';
    return new VerifierError(code, code === 'invalid_claims' ? `the "${err.claim}" claim is invalid: ${err.message}` : `the token is not for this ${err.claim === 'aud' ? 'audience' : 'issuer'}`, { cause: err });
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new VerifierError('bad_signature', 'the signature does not verify', { cause: err });
  if (err instanceof errors.JOSEAlgNotAllowed) return new VerifierError('malformed', 'the token is signed with an algorithm this verifier does not accept', { cause: err });
  if (err instanceof errors.JOSEError) return new VerifierError('malformed', `the token is not a well-formed JWT: ${err.message}`, { cause: err });
  return new VerifierError('malformed', 'the token could not be processed', { cause: err });
}
