/**
 * `rotor/verifier`: verify Rotor's JWT access tokens in a resource server. Depends on `jose` only.
 *
 * @example
 * ```ts
 * import { createVerifier, koaMiddleware } from 'rotor/verifier';
 * const verifier = createVerifier({ issuer: 'https://id.example.com', audience: 'https://id.example.com/api', events: true });
 * app.use(koaMiddleware(verifier, { scope: 'api:read' }));
 * ```
 */
export { createVerifier } from './create-verifier.js';
export type { AccessTokenClaims, Verifier, VerifierOptions } from './create-verifier.js';
export { VerifierError } from './verifier-error.js';
export type { VerifierErrorCode } from './verifier-error.js';
export type { VerifierLogger } from './logger.js';
export { koaMiddleware } from './koa-middleware.js';
export type { KoaLikeContext } from './koa-middleware.js';
export { expressMiddleware } from './express-middleware.js';
export type { ExpressLikeRequest, ExpressLikeResponse } from './express-middleware.js';
export { checkBearer } from './bearer-challenge.js';
export type { BearerOptions, Refusal } from './bearer-challenge.js';
