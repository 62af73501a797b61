import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from '../keys/catalog.js';
import { nextJwksChange } from '../keys/plan.js';
import type { Policy } from '../keys/policy.js';
import type { ProviderHolder, ProviderState } from '../provider/provider-holder.js';

/** The headers every answer carries (as `security-headers.ts` sets them for the Koa app). */
const FIXED_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Access-Control-Allow-Origin': '*',
};

const matchesEtag = (header: string | undefined, etag: string): boolean =>
  header !== undefined && header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);

/**
 * `GET /jwks`, answered before Koa and every middleware: the hottest path of a key server, and
 * one whose answer is fixed per catalog version. The body and its ETag are built once per version
 * (see `ProviderHolder`); the next scheduled JWKS change is computed once per version too, and
 * again only when the clock passes it. `Cache-Control` max-age is `jwks.maxAge`, cut short so no
 * cache holds the set past that change, and 0 while revoked keys are dropped ahead of the version
 * that revoked them (the full set follows within milliseconds). `Rotor-Catalog-Version` names the
 * catalog version served, so a receiver can tell an older key-set event from the keys it holds.
 * Returns false for any other request.
 * `onServed` hears of each GET answered (rotation readiness), after the answer is written; it
 * must not block, and whatever it throws is ignored.
 */
export function jwksFastPath(holder: ProviderHolder, policy: Policy, maxAge: number, https: boolean, now: () => Date, onServed?: (req: IncomingMessage, catalog: Catalog) => void) {
  const headers: Record<string, string> = https ? { ...FIXED_HEADERS, 'Strict-Transport-Security': 'max-age=31536000' } : { ...FIXED_HEADERS };
  // Per catalog version: the next scheduled change, and the headers of the last max-age answered.
  let cachedFor: ProviderState | undefined;
  let nextChange: number | undefined;
  let answered: { maxAge: number; notModified: Record<string, string | number>; ok: Record<string, string | number> } | undefined;

  const headersAt = (state: ProviderState, at: number) => {
    if (state !== cachedFor || (nextChange !== undefined && nextChange <= at)) {
      cachedFor = state;
      nextChange = nextJwksChange(state.catalog, policy, new Date(at))?.getTime();
      answered = undefined;
    }
    const untilChange = nextChange === undefined ? maxAge : Math.floor((nextChange - at) / 1000);
    const age = state.interim ? 0 : Math.max(0, Math.min(maxAge, untilChange));
    if (answered?.maxAge !== age) {
      const notModified = { ...headers, 'Cache-Control': `public, max-age=${age}`, ETag: state.jwksEtag, 'Rotor-Catalog-Version': state.catalog.version };
      answered = { maxAge: age, notModified, ok: { ...notModified, 'Content-Type': 'application/jwk-set+json', 'Content-Length': state.jwksBody.length } };
    }
    return answered;
  };

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if ((req.url !== '/jwks' && !req.url?.startsWith('/jwks?')) || !holder.loaded) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'application/json' }).end('{"error":"invalid_request","error_description":"/jwks answers GET and HEAD only"}');
      return true;
    }
    const state = holder.state;
    const answer = headersAt(state, now().getTime());
    if (matchesEtag(req.headers['if-none-match'], state.jwksEtag)) {
      res.writeHead(304, answer.notModified).end();
    } else {
      res.writeHead(200, answer.ok);
      res.end(req.method === 'HEAD' ? undefined : state.jwksBody);
    }
    if (onServed && req.method === 'GET') {
      try {
        onServed(req, state.catalog);
      } catch {
        // Recording who fetched is best effort: it never touches the answer.
      }
    }
    return true;
  };
}
