import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Settings } from '../settings/load-settings.js';
import type { ProviderHolder } from '../provider/provider-holder.js';
import type { KeyOperations } from '../catalog/key-operations.js';
import { CatalogOperationError } from '../catalog/operation-error.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientStore } from '../store/client-store.js';
import type { ReplayStore } from './dpop-replay-store.js';
import { dpopSettings } from '../verifier/dpop-binding.js';
import type { AccountStore } from '../store/account-store.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { AuditVerdict } from '../audit/audit-verdict.js';
import type { AnonymousRefusals } from './anonymous-refusals.js';
import { describeRequest } from './describe-request.js';
import { outcomeJson, type EmergencyOutcome, type EmergencyWorkflow } from '../catalog/emergency-workflow.js';
import { describeKey } from '../keys/describe-key.js';
import { AdminError } from './admin-error.js';
import type { AdminPrincipal } from './authenticate.js';
import { createGuard } from './guard.js';
import { parseInput as parse } from './parse-input.js';
import { lifecycleRoutes } from './lifecycle-routes.js';
import { approveBody, auditQuery, kidParam, requestIdParam, revokeBody, rolloverBody, rotateBody } from './schemas.js';
import { adminOpenApi } from './openapi.js';
import { readinessRoute } from './readiness-route.js';
import type { ConsumerRecord } from '../readiness/readiness-store.js';
import type { SecurityEvents } from '../ssf/security-events.js';

export interface AdminDeps {
  settings: Settings;
  holder: ProviderHolder;
  clients: ClientStore;
  accounts: AccountStore;
  /** Where DPoP proof ids are remembered, across instances. */
  dpopReplay: ReplayStore;
  operations: KeyOperations;
  auditLog: AuditLog;
  audit: AuditTrail;
  emergency: EmergencyWorkflow;
  /** The chain checked against this instance's `audit.anchorFile`. */
  verifyAudit(): Promise<AuditVerdict>;
  /** Refusals of callers without a valid token: counted, logged and throttled, not chained. */
  anonymous: AnonymousRefusals;
  /** The consumers of `/jwks` seen within `readiness.window` (rejects while Redis is down). */
  consumers(): Promise<ConsumerRecord[]>;
  /** Receivers hear of removed clients and disabled people. */
  securityEvents?: SecurityEvents;
  /** Every SSF stream with its delivery counts, for `GET /admin/streams`. */
  streams?: () => Promise<Record<string, unknown>[]>;
}


/**
 * The admin API: Rotor's own resource server. Every call of an authenticated caller is audited
 * — refusals here, changes by the key operations themselves — and every body is validated by
 * its schema. Refusals before a caller is authenticated (no token, a bad one, a body unread) name
 * nobody and are not chained: see `anonymousRefusals`.
 */
export function adminRouter(deps: AdminDeps): Router {
  const { settings, holder, operations } = deps;
  const router = new Router({ prefix: '/admin' });
  const dpop = dpopSettings({ replay: deps.dpopReplay, clockSkewSec: settings.tokens.clockSkew });
  const openapi = JSON.stringify(adminOpenApi(settings.issuer));

  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openapi;
  });

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await next();
    } catch (err) {
      const principal = ctx.state.admin as AdminPrincipal | undefined;
      let mapped = err instanceof AdminError ? err
        : err instanceof CatalogOperationError ? AdminError.fromDomain(err.code, err.message, err.retryAfter !== undefined ? { 'Retry-After': String(err.retryAfter) } : {})
          : undefined;
      if (!mapped) throw err;
      if (!principal) {
        mapped = await deps.anonymous.refuse({ ip: ctx.ip, method: ctx.method, path: ctx.path }, mapped);
      } else if (!(err instanceof CatalogOperationError)) {
        await deps.audit.record({ ...principal.principal, action: `admin ${ctx.method} ${ctx.path}`, outcome: 'refused', detail: { status: mapped.status, error: mapped.error, message: mapped.message, ip: ctx.ip } });
      }
      ctx.status = mapped.status;
      ctx.set(mapped.headers);
      ctx.body = { error: mapped.error, error_description: mapped.message, code: mapped.code };
    }
  });
  router.use(bodyParser({ enableTypes: ['json'], parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'], jsonLimit: '16kb', onError: () => { throw AdminError.refused(400, 'invalid_request', 'the body is not valid JSON'); } }));

  const guard = createGuard({ holder, clients: deps.clients, accounts: deps.accounts, issuer: settings.issuer, clockSkew: settings.tokens.clockSkew, dpop });
  const readAudited = async (principal: AdminPrincipal, action: string): Promise<void> => {
    await deps.audit.record({ ...principal.principal, action, outcome: 'ok' });
  };
  const respond = (ctx: Context, outcome: EmergencyOutcome): void => {
    ctx.status = outcome.kind === 'pending' ? 202 : 200;
    ctx.body = outcomeJson(outcome);
  };

  router.get('/keys', guard('admin:keys', async (ctx, principal) => {
    const { catalog } = holder.state;
    ctx.body = { version: catalog.version, keys: catalog.keys.map(describeKey) };
    await readAudited(principal, 'admin.keys.list');
  }));

  router.get('/keys/readiness', guard('admin:keys', readinessRoute(deps, readAudited)));

  router.post('/keys/rotate', guard('admin:keys', async (ctx, principal) => {
    const body = parse(rotateBody, ctx.request.body);
    const result = await operations.rotate(principal.principal, { alg: body.alg ?? settings.keys.algorithms[0]!, reason: body.reason, dryRun: body.dryRun });
    if ('dryRun' in result) {
      ctx.body = result;
      return;
    }
    ctx.status = 202;
    ctx.body = describeKey(result.key);
  }));

  router.post('/keys/rollover', guard('admin:emergency', async (ctx, principal) => {
    const body = parse(rolloverBody, ctx.request.body);
    respond(ctx, await deps.emergency.request(principal.principal, 'rollover', { alg: body.alg, compromisedKid: body.compromisedKid, promotePending: body.promotePending }, body.reason, body.dryRun));
  }));

  router.post('/keys/:kid/revoke', guard('admin:emergency', async (ctx, principal) => {
    const kid = parse(kidParam, ctx.params.kid);
    const body = parse(revokeBody, ctx.request.body);
    respond(ctx, await deps.emergency.request(principal.principal, 'revoke', { kid }, body.reason, body.dryRun));
  }));

  router.post('/emergency/:id/approve', guard('admin:emergency', async (ctx, principal) => {
    const body = parse(approveBody, ctx.request.body);
    respond(ctx, await deps.emergency.approve(principal.principal, parse(requestIdParam, ctx.params.id), body.reason));
  }));

  router.get('/emergency', guard('admin:emergency', async (ctx, principal) => {
    const waiting = await deps.emergency.waiting();
    ctx.body = { requests: waiting.map(describeRequest) };
    await readAudited(principal, 'admin.emergency.list');
  }));

  router.post('/emergency/:id/reject', guard('admin:emergency', async (ctx, principal) => {
    const body = parse(approveBody, ctx.request.body);
    const id = parse(requestIdParam, ctx.params.id);
    await deps.emergency.reject(principal.principal, id, body.reason);
    ctx.body = { requestId: id, status: 'rejected' };
  }));

  router.get('/audit', guard('admin:audit', async (ctx, principal) => {
    const { limit } = parse(auditQuery, ctx.query);
    const events = await deps.auditLog.list(limit);
    ctx.body = { events: events.map((event) => ({ ...event, at: event.at.toISOString() })) };
    await readAudited(principal, 'admin.audit.list');
  }));

  router.get('/audit/verify', guard('admin:audit', async (ctx, principal) => {
    ctx.body = await deps.verifyAudit();
    await readAudited(principal, 'admin.audit.verify');
  }));

  const { streams } = deps;
  if (streams) {
    router.get('/streams', guard('admin:keys', async (ctx, principal) => {
      ctx.body = { streams: await streams() };
      await readAudited(principal, 'admin.streams.list');
    }));
  }

  lifecycleRoutes(router, guard, deps);

  return router;
}
