import type { AccessTokenClaims } from './create-verifier.js';
import { checkAuthorization, type VerifierLike } from './bearer-challenge.js';
import { requestUrlBuilder, type MiddlewareOptions } from './request-url.js';

/** The part of an Express (or plain `node:http`) request the middleware uses. */
export interface ExpressLikeRequest {
  headers: { authorization?: string | undefined; dpop?: string | string[] | undefined; host?: string | undefined };
  method?: string;
  /** The path and query as received (plain `node:http`). */
  url?: string;
  /** The path and query before any router rewrote `url` (Express). */
  originalUrl?: string;
  /** `http` or `https` (Express); otherwise read from the socket. */
  protocol?: string;
  socket?: object;
  auth?: AccessTokenClaims;
}

/** The part of an Express (or plain `node:http`) response the middleware uses. */
export interface ExpressLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/** Express sets `protocol`; plain `node:http` knows TLS by its socket. */
const protocolOf = (req: ExpressLikeRequest): string => req.protocol ?? ((req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http');

/**
 * Express middleware: calls `next()` with the claims on `req.auth` when the request carries a
 * valid token with every scope in `options.scope` — `Authorization: Bearer <token>`, or
 * `Authorization: DPoP <token>` with its `DPoP` proof header; answers 401, 403 or 503 otherwise
 * (see {@link checkAuthorization}). Unexpected errors go to `next(err)`.
 */
export function expressMiddleware(verifier: VerifierLike, options: MiddlewareOptions = {}) {
  const urlOf = requestUrlBuilder(options.publicUrl);
  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void => {
    checkAuthorization(verifier, {
      authorization: req.headers.authorization,
      dpop: req.headers.dpop,
      method: req.method ?? '',
      url: urlOf({ protocol: protocolOf(req), host: req.headers.host ?? '', path: req.originalUrl ?? req.url ?? '' }),
    }, options).then((outcome) => {
      if ('claims' in outcome) {
        req.auth = outcome.claims;
        next();
        return;
      }
      const { status, headers, body } = outcome.refusal;
      res.statusCode = status;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(JSON.stringify(body));
    }, next);
  };
}
