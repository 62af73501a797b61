import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { AdminError } from '../admin/admin-error.js';
import { createGuard } from '../admin/guard.js';
import type { AuthenticateDeps } from '../admin/authenticate.js';
import type { SecurityEvents } from './security-events.js';
import type { SignSet } from './set-signer.js';
import { SsfError } from './ssf-error.js';
import { streamRoutes, type StreamRoutesDeps } from './stream-routes.js';
import { controlRoutes } from './control-routes.js';
import { pollRoute } from './poll-route.js';
import { POLL_URN, PUSH_URN } from './stream-schemas.js';

export interface SsfRouterDeps extends StreamRoutesDeps {
  /** How bearer tokens are checked (the admin API's way, for audience `<ISSUER>/ssf`). */
  auth: Omit<AuthenticateDeps, 'audience'>;
  events: SecurityEvents;
  sign: SignSet;
}

/** Request bodies the stream API reads at most. */
const BODY_LIMIT = '16kb';

/** The transmitter's metadata (SSF 1.0 §7.1). */
export function ssfConfiguration(issuer: string): Record<string, unknown> {
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: `${issuer}/jwks`,
    delivery_methods_supported: [PUSH_URN, POLL_URN],
    configuration_endpoint: `${issuer}/ssf/streams`,
    status_endpoint: `${issuer}/ssf/status`,
    verification_endpoint: `${issuer}/ssf/verify`,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
    default_subjects: 'ALL',
  };
}

/**
 * The SSF transmitter's HTTP side: `/.well-known/ssf-configuration`, then stream management,
 * status, verification and poll under `/ssf`, all for access tokens of this server with audience
 * `<ISSUER>/ssf` and scope `ssf:manage`. Refusals have the admin API's shape
 * (`error`, `error_description`, `code`).
 */
export function ssfRouter(deps: SsfRouterDeps): Router {
  const router = new Router();
  const configuration = JSON.stringify(ssfConfiguration(deps.issuer));
  router.get('/.well-known/ssf-configuration', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = configuration;
  });

  router.use('/ssf', async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await next();
    } catch (err) {
      const mapped = err instanceof AdminError ? err : err instanceof SsfError ? AdminError.fromDomain(err.code, err.message) : undefined;
      if (!mapped) throw err;
      ctx.status = mapped.status;
      ctx.set(mapped.headers);
      ctx.body = { error: mapped.error, error_description: mapped.message, code: mapped.code };
    }
  });
  router.use('/ssf', bodyParser({
    enableTypes: ['json'], parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'], jsonLimit: BODY_LIMIT,
    onError: (err: Error) => {
      if ((err as { status?: number }).status === 413) throw new SsfError(`the body is larger than ${BODY_LIMIT}`, 'ROTOR_SSF_BODY_TOO_LARGE');
      throw AdminError.refused(400, 'invalid_request', 'the body is not valid JSON');
    },
  }));

  const guard = createGuard({ ...deps.auth, audience: `${deps.issuer}/ssf` });
  streamRoutes(router, guard, deps);
  controlRoutes(router, guard, deps);
  pollRoute(router, guard, deps);
  return router;
}
