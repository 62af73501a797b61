import type { AccessTokenClaims, Verifier } from './create-verifier.js';
import { checkBearer, type BearerOptions } from './bearer-challenge.js';

/** The part of an Express (or plain `node:http`) request the middleware uses. */
export interface ExpressLikeRequest {
  headers: { authorization?: string | undefined };
  auth?: AccessTokenClaims;
}

/** The part of an Express (or plain `node:http`) response the middleware uses. */
export interface ExpressLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * Express middleware: calls `next()` with the claims on `req.auth` when the request carries a
 * valid bearer token with every scope in `options.scope`; answers 401, 403 or 503 otherwise.
 * Unexpected errors go to `next(err)`.
 */
export function expressMiddleware(verifier: Pick<Verifier, 'verify'>, options: BearerOptions = {}) {
  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void => {
    checkBearer(verifier, req.headers.authorization, options).then((outcome) => {
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
