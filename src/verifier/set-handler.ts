import { applySet } from './apply-set.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import type { VerifierLogger } from './logger.js';
import { SeenJtis } from './seen-jtis.js';
import type { SecurityEventHandler } from './set-events.js';
import { verifySet } from './verify-set.js';
import { internalsOf } from './verifier-internals.js';

/** Options shared by {@link ssfPushReceiver} and {@link ssfPollReceiver}. */
export interface SetReceiverOptions {
  /** The transmitter: Rotor's `ISSUER`, exactly as in the SETs' `iss`. */
  issuer: string;
  /** This receiver's stream audience: the `client_id` it registered its stream with. */
  audience: string | string[];
  /** Called once per event of every verified SET (deduplicated by `jti`). */
  onEvent?: SecurityEventHandler;
  /**
   * The verifier that checks this resource server's bearer tokens: SETs are verified with its
   * cached JWKS, and applied to it (a revoked kid dropped, a leaked access token refused until
   * it expires). Its issuer must be `issuer`. Without one, the receiver makes its own, which only
   * verifies SETs and calls `onEvent`.
   */
  verifier?: Verifier;
  /** Where the receiver reports refused SETs (default the verifier's, or JSON lines on stderr). */
  logger?: VerifierLogger;
  /** The `fetch` of a verifier the receiver makes itself (default the global one). */
  fetch?: typeof globalThis.fetch;
  /**
   * Oldest SET accepted, in seconds after its `iat` (default 7 days: long enough for the
   * transmitter's retries and a receiver that was down). An older one, or one without `iat`, is
   * refused with `invalid_request`, so a SET captured long ago cannot be replayed.
   */
  maxAgeSec?: number;
}

/** The default of {@link SetReceiverOptions.maxAgeSec}: 7 days. */
const DEFAULT_MAX_AGE_SEC = 7 * 86_400;

/** Verifies, deduplicates and applies one SET; closes what it made. */
export interface SetHandler {
  /** Resolves `applied` (new), `duplicate` (seen before); rejects with a `SetError`. */
  handle(set: string): Promise<'applied' | 'duplicate'>;
  logger: VerifierLogger;
  fetch: typeof globalThis.fetch;
  close(): Promise<void>;
}

/** The core both receivers share: one verifier's keys, one set of seen `jti`s. */
export function setHandler(options: SetReceiverOptions, name: string): SetHandler {
  const { issuer, audience, onEvent } = options;
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) throw new TypeError(`${name}: issuer must be a URL`);
  if (!audience || (Array.isArray(audience) && audience.length === 0)) throw new TypeError(`${name}: audience is required`);
  const { maxAgeSec = DEFAULT_MAX_AGE_SEC } = options;
  if (typeof maxAgeSec !== 'number' || !Number.isFinite(maxAgeSec) || maxAgeSec <= 0) throw new TypeError(`${name}: maxAgeSec must be a positive number of seconds`);
  const own = options.verifier ? undefined : createVerifier({ issuer, audience, logger: options.logger, fetch: options.fetch });
  const internals = internalsOf(options.verifier ?? own!);
  if (internals.issuer !== issuer) throw new TypeError(`${name}: the verifier is for another issuer`);
  const seen = new SeenJtis();
  return {
    logger: options.logger ?? internals.logger,
    fetch: options.fetch ?? internals.fetch,
    async handle(set) {
      const claims = await verifySet(set, audience, internals, maxAgeSec);
      if (seen.has(claims.jti)) return 'duplicate';
      await applySet(claims, internals, onEvent);
      seen.add(claims.jti);
      return 'applied';
    },
    async close() {
      await own?.close();
    },
  };
}
