import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditInput } from '../audit/chain.js';
import type { Principal } from '../audit/principal.js';
import { AdminError } from '../admin/admin-error.js';
import { authenticate, requireScope, type AuthenticateDeps } from '../admin/authenticate.js';
import type { Logger } from '../logging/create-logger.js';
import { parseReport, readRawBody, ReportError } from './leak-report.js';
import type { LeakOutcome } from './leak-effects.js';
import { tokenHash } from './leak-effects.js';

export interface LeaksRouteDeps {
  /** How an admin bearer token (`admin:emergency`) is checked, as the admin API does. */
  admin: AuthenticateDeps;
  /** Checks a reporter's signature over the raw body, and refuses replays. */
  checkSignature(keyId: string, signature: string, body: Buffer): Promise<void>;
  /** What reporting one token does. */
  handle(token: string): Promise<LeakOutcome>;
  record(event: AuditInput): Promise<unknown>;
  logger: Logger;
}

/** Who reported: an admin caller, or a reporter key (`system:leaks`, the key id in the audit detail). */
async function reporter(ctx: Context, body: Buffer, deps: LeaksRouteDeps): Promise<{ principal: Principal; keyId?: string }> {
  const keyId = ctx.get('Github-Public-Key-Identifier');
  const signature = ctx.get('Github-Public-Key-Signature');
  if (ctx.get('Authorization')) {
    const admin = await authenticate(ctx, deps.admin);
    requireScope(admin, 'admin:emergency');
    return { principal: admin.principal };
  }
  if (!keyId || !signature) throw new ReportError(401, 'invalid_token', 'a report needs Github-Public-Key-Identifier and Github-Public-Key-Signature, or an admin:emergency bearer token');
  await deps.checkSignature(keyId, signature, body);
  return { principal: { actor: 'system:leaks' }, keyId };
}

/**
 * `POST /leaks`: reports of leaked tokens in the format of GitHub's secret-scanning partner
 * programme, signed by a reporter key of `leaks.reporters` or sent with an `admin:emergency`
 * bearer token. Every reported token is acted on (`leak-effects.ts`) and audited as
 * `leak.reported` with its SHA-256, `url` and `source`, never the token. A report that is too
 * large, unauthenticated, replayed or malformed is refused before any token is looked at.
 */
export function leaksRouter(deps: LeaksRouteDeps): Router {
  const router = new Router();
  router.post('/leaks', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      const body = await readRawBody(ctx.req);
      const { principal, keyId } = await reporter(ctx, body, deps);
      const report = parseReport(body);
      const answer = [];
      for (const { token, type, url, source } of report) {
        const outcome = await deps.handle(token);
        const hash = tokenHash(token);
        const label = outcome.live ? 'true_positive' : 'false_positive';
        const detail: Record<string, string | number> = { url, source, type, kind: outcome.kind, label };
        if (keyId) detail.reporter = keyId;
        if (outcome.effect) detail.effect = outcome.effect;
        if (outcome.target) detail.affected = outcome.target;
        if (outcome.grants !== undefined) detail.grantsRevoked = outcome.grants;
        await deps.record({ ...principal, action: 'leak.reported', target: hash, outcome: 'ok', detail });
        answer.push({ token_hash: hash, token_type: type, label });
      }
      ctx.body = answer;
      deps.logger.info('leak report', { by: principal.actor, reporter: keyId, tokens: answer.length, truePositives: answer.filter((item) => item.label === 'true_positive').length });
    } catch (err) {
      if (err instanceof ReportError) {
        ctx.status = err.status;
        ctx.body = { error: err.error, error_description: err.message };
        if (err.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="rotor-leaks"');
        return;
      }
      if (err instanceof AdminError) {
        ctx.status = err.status;
        ctx.set(err.headers);
        ctx.body = { error: err.error, error_description: err.message };
        return;
      }
      throw err;
    }
  });
  return router;
}
