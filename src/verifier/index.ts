/**
 * `rotor/verifier`: verify Rotor's JWT access tokens in a resource server. Depends on `jose` only.
 *
 * @example
 * ```ts
 * import { createVerifier, koaMiddleware } from 'rotor/verifier';
 * const verifier = createVerifier({ issuer: 'https://id.example.com', audience: 'https://id.example.com/api', events: true });
 * app.use(koaMiddleware(verifier, { scope: 'api:read' }));
 * // Security events (SSF) applied to the same verifier: revoked kids, leaked access tokens, session revocations.
 * router.post('/ssf', ssfPushReceiver({ issuer: 'https://id.example.com', audience: 'my-client-id', verifier, onEvent }));
 * ```
 */
export { createVerifier } from './create-verifier.js';
export type { AccessTokenClaims, Verifier, VerifierOptions, VerifyOptions } from './create-verifier.js';
export { VerifierError } from './verifier-error.js';
export type { DpopCheck, VerifierErrorCode } from './verifier-error.js';
export type { VerifierLogger } from './logger.js';
export { koaMiddleware } from './koa-middleware.js';
export type { KoaLikeContext } from './koa-middleware.js';
export { expressMiddleware } from './express-middleware.js';
export type { ExpressLikeRequest, ExpressLikeResponse } from './express-middleware.js';
export type { MiddlewareOptions } from './request-url.js';
export { checkAuthorization, checkBearer } from './bearer-challenge.js';
export type { AuthorizationRequest, BearerOptions, CheckOutcome, Refusal, VerifierLike } from './bearer-challenge.js';
export { verifyDpopProof, DPOP_CLOCK_SKEW_SEC, DPOP_MAX_AGE_SEC } from './dpop.js';
export type { DpopProofOptions } from './dpop.js';
export { DPOP_ALGORITHMS } from './dpop-header.js';
export { memoryReplayStore } from './dpop-replay.js';
export type { DpopReplayStore, MemoryReplayStore, MemoryReplayStoreOptions } from './dpop-replay.js';
export type { DpopRequest, DpopSettings } from './dpop-binding.js';
export { ssfPushReceiver } from './ssf-push-receiver.js';
export type { PushReceiver, PushReceiverOptions } from './ssf-push-receiver.js';
export { ssfPollReceiver } from './ssf-poll-receiver.js';
export type { PollReceiver, PollReceiverOptions, PollResult } from './ssf-poll-receiver.js';
export type { SetReceiverOptions } from './set-handler.js';
export { SetError } from './set-error.js';
export type { SetErrorCode } from './set-error.js';
export { CREDENTIAL_COMPROMISE, SESSION_REVOKED, SSF_STREAM_UPDATED, SSF_VERIFICATION, jwksChangedType } from './set-events.js';
export type { SecurityEvent, SecurityEventHandler } from './set-events.js';
