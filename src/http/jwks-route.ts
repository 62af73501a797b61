import type { Context } from 'koa';
import { nextJwksChange } from '../keys/plan.js';
import type { Policy } from '../keys/policy.js';
import type { ProviderHolder } from '../provider/provider-holder.js';

/**
 * `GET /jwks`: the published keys, served from what was serialised once per catalog version.
 * max-age is `jwks.maxAge`, cut short so no cache holds the set past its next scheduled change.
 */
export function jwksRoute(holder: ProviderHolder, policy: Policy, maxAge: number, now: () => Date) {
  return (ctx: Context): void => {
    const { catalog, jwksBody, jwksEtag } = holder.state;
    const at = now();
    const change = nextJwksChange(catalog, policy, at);
    const untilChange = change ? Math.floor((change.getTime() - at.getTime()) / 1000) : maxAge;
    ctx.set('Cache-Control', `public, max-age=${Math.max(0, Math.min(maxAge, untilChange))}`);
    ctx.set('ETag', jwksEtag);
    ctx.set('Access-Control-Allow-Origin', '*');
    const match = ctx.get('If-None-Match');
    if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === jwksEtag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/jwk-set+json';
    ctx.body = jwksBody;
  };
}
