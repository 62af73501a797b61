import { jwtVerify, type CompactJWSHeaderParameters, type CryptoKey, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { applyJwksEvents } from './apply-jwks-events.js';
import { checkDpopBinding, dpopSettings, type DpopRequest, type DpopSettings } from './dpop-binding.js';
import { JwksEventStream } from './event-stream.js';
import { JwksCache } from './jwks-cache.js';
import { jsonLineLogger, type VerifierLogger } from './logger.js';
import { mapJoseError } from './map-jose-error.js';
import { RevokedTokens } from './revoked-tokens.js';
import { VerifierError } from './verifier-error.js';
import { registerInternals } from './verifier-internals.js';

/** Options of {@link createVerifier}. Only `issuer` and `audience` are required. */
export interface VerifierOptions {
  /** The issuer URL, exactly as in the tokens' `iss` (Rotor's `ISSUER`). */
  issuer: string;
  /** The resource server's identifier: tokens must name it (or one of them) in `aud`. */
  audience: string | string[];
  /**
   * Listen to `<issuer>/jwks/events`: drop revoked keys the moment the issuer says so, and refuse
   * access tokens it announces as revoked (`revoked_token`) until they expire.
   */
  events?: boolean;
  /** Default `<issuer>/jwks`. */
  jwksUri?: string;
  /** Default `<issuer>/jwks/events`. */
  eventsUri?: string;
  /**
   * This resource server's name, sent as `Rotor-Consumer` with every JWKS request: Rotor lists
   * it in its rotation readiness (`GET /admin/keys/readiness`). Without it Rotor tells consumers
   * apart by User-Agent and address.
   */
  consumer?: string;
  /** An unknown `kid` makes the verifier fetch the JWKS at most once per this many ms (default 30 000). */
  cooldownMs?: number;
  /**
   * How long past its `Cache-Control` expiry the cached JWKS still verifies tokens while the
   * issuer is unreachable (default 1 hour). Longer rides out longer outages, but also keeps a
   * key the issuer withdrew during the outage usable for longer; set 0 to fail closed at once.
   */
  staleWindowMs?: number;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds (default 30). */
  clockToleranceSec?: number;
  /** Accepted `alg` values (default RS256, PS256, ES256, EdDSA). */
  algorithms?: string[];
  /** Timeout of one JWKS request, in ms (default 5 000). */
  timeoutMs?: number;
  /** Where outages and revocations are reported (default: JSON lines on `console.warn`). */
  logger?: VerifierLogger;
  /** The `fetch` used for the JWKS and the event stream (default the global one). */
  fetch?: typeof globalThis.fetch;
  /**
   * How DPoP proofs are checked (RFC 9449): accepted `algorithms` (default ES*, PS*, RS*, EdDSA),
   * `clockSkewSec` (30) and `maxAgeSec` (60) for a proof's `iat`, and the `replay` store (default
   * one in memory, per verifier: share one, e.g. in Redis, between instances behind a balancer).
   */
  dpop?: Partial<DpopSettings>;
  /**
   * The clock, in ms since the epoch (default `Date.now`): what token expiry, the JWKS's
   * freshness, the cooldown, the stale window and DPoP proof ages are measured against.
   */
  now?: () => number;
}

/** Options of one {@link Verifier.verify} call. */
export interface VerifyOptions {
  /** The DPoP proof of the request and what it must match; required for DPoP-bound tokens, refused for others. */
  dpop?: DpopRequest;
}

/** The claims of a verified RFC 9068 access token. */
export interface AccessTokenClaims extends JWTPayload {
  scope?: string;
  client_id?: string;
  /** Confirmation (RFC 7800): `jkt` is the thumbprint of the key a DPoP-bound token is bound to. */
  cnf?: { jkt?: string };
}

/** A resource server's view of one issuer. */
export interface Verifier {
  /**
   * Resolves with the token's claims, or rejects with a {@link VerifierError}. A token bound to a
   * key (`cnf.jkt`) needs `options.dpop` with a valid proof (`dpop_required` without one); a
   * proof with a token that is not bound is refused (`not_dpop_bound`).
   */
  verify(token: string, options?: VerifyOptions): Promise<AccessTokenClaims>;
  /** The DPoP proof algorithms this verifier accepts, for the `algs` of a challenge. */
  readonly dpopAlgorithms: readonly string[];
  /** Stops the event stream and any request in flight, so the process can exit. */
  close(): Promise<void>;
}

const TYPES = new Set(['at+jwt', 'application/at+jwt']);

/**
 * Verifies RFC 9068 JWT access tokens (`typ: at+jwt`, `kid` required) from `issuer` for
 * `audience`, with the issuer's JWKS cached as its `Cache-Control` and `ETag` say.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const { issuer, audience, events = false, cooldownMs = 30_000, staleWindowMs = 3600_000, clockToleranceSec = 30, timeoutMs = 5_000 } = options;
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) throw new TypeError('createVerifier: issuer must be a URL');
  if (!audience || (Array.isArray(audience) && audience.length === 0)) throw new TypeError('createVerifier: audience is required');
  const base = issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
  const algorithms = options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA'];
  const logger = options.logger ?? jsonLineLogger();
  const fetch = options.fetch ?? globalThis.fetch;
  const accepted = new Set(algorithms);
  const now = options.now ?? Date.now;
  const dpop = dpopSettings({ now, ...options.dpop });
  const cache = new JwksCache({ jwksUri: options.jwksUri ?? `${base}/jwks`, algorithms: accepted, cooldownMs, staleWindowMs, timeoutMs, fetch, logger, now, consumer: consumerName(options.consumer) });
  // No `algorithms` here: jose would build a Set from it on every call; getKey checks `accepted`.
  const verifyOptions: JWTVerifyOptions = { issuer, audience, clockTolerance: clockToleranceSec, requiredClaims: ['exp'] };
  const clocked = options.now !== undefined;

  const getKey = (header: CompactJWSHeaderParameters): CryptoKey | Promise<CryptoKey> => {
    const { typ, kid, alg } = header;
    if (!accepted.has(alg)) throw new VerifierError('malformed', `the token is signed with ${String(alg).slice(0, 20)}, which this verifier does not accept`);
    if (typ !== 'at+jwt' && !(typeof typ === 'string' && TYPES.has(typ.toLowerCase()))) throw new VerifierError('malformed', 'the token is not a JWT access token (typ must be at+jwt)');
    if (typeof kid !== 'string' || kid === '') throw new VerifierError('malformed', 'the token header names no kid');
    return cache.resolve(kid, alg);
  };

  const eventsUri = options.eventsUri ?? `${base}/jwks/events`;
  const revokedTokens = new RevokedTokens(now, clockToleranceSec);
  const applyJwks = applyJwksEvents(cache);
  const stream = events ? new JwksEventStream({ eventsUri, fetch, logger, onEvent: applyJwks, onRevokedTokens: (tokens) => revokedTokens.add(tokens) }) : undefined;
  stream?.start();

  const verifier: Verifier = {
    dpopAlgorithms: dpop.algorithms,
    async verify(token: string, call: VerifyOptions = {}): Promise<AccessTokenClaims> {
      if (typeof token !== 'string' || token === '') throw new VerifierError('malformed', 'no token');
      let payload: AccessTokenClaims;
      try {
        ({ payload } = await jwtVerify(token, getKey, clocked ? { ...verifyOptions, currentDate: new Date(now()) } : verifyOptions));
      } catch (err) {
        throw mapJoseError(err);
      }
      if (revokedTokens.has(payload.jti)) throw new VerifierError('revoked_token', 'the issuer revoked this access token');
      const binding = checkDpopBinding(payload, token, call.dpop, dpop);
      if (binding) await binding;
      return payload;
    },
    async close(): Promise<void> {
      cache.close();
      await stream?.close();
    },
  };
  registerInternals(verifier, { issuer, cache, revokedTokens, applyJwks, algorithms: accepted, clockToleranceSec, fetch, logger, now });
  return verifier;
}

/** A header value: printable ASCII, at most 100 characters. */
function consumerName(consumer: string | undefined): string | undefined {
  if (consumer === undefined) return undefined;
  if (typeof consumer !== 'string' || !/^[\x20-\x7E]{1,100}$/.test(consumer)) throw new TypeError('createVerifier: consumer must be 1 to 100 printable ASCII characters');
  return consumer;
}
