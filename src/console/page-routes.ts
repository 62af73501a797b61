import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminAnswer, AdminClient } from './admin-client.js';
import { requireSession, signedIn } from './console-session.js';
import type { SessionStore } from './session-store.js';
import { consoleLayout, messagePage } from './views/console-layout.js';
import { timelinePage } from './views/timeline-page.js';
import { keysPage, readinessPage, streamsPage } from './views/data-pages.js';
import { auditPage } from './views/audit-page.js';
import { approvalsPage } from './views/approvals-page.js';

export interface PageDeps {
  algorithms: readonly string[];
  sessions: SessionStore;
  admin: AdminClient;
}

const AUDIT_EXAMINED = 500;
const query = (ctx: Context, name: string): string => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).slice(0, 100) : '');

/**
 * The console's pages, rendered on the server from the admin API's answers (called as the
 * signed-in person). An endpoint this server lacks (404) shows as "not available".
 */
export function pageRoutes(router: Router, deps: PageDeps): void {
  const guard = requireSession(deps.sessions, 'page');
  const call = (ctx: Context, path: string): Promise<AdminAnswer> => {
    const { id, session } = signedIn(ctx);
    return deps.admin.call(id, session, 'GET', path);
  };
  const render = (ctx: Context, title: string, body: string, scripts: string[] = ['console.js']): void => {
    const { session } = signedIn(ctx);
    ctx.type = 'html';
    ctx.body = consoleLayout({ title, path: ctx.path, user: { username: session.username, csrf: session.csrf }, scripts }, body);
  };
  /** The body of a 200, undefined on a 404; any other answer is shown as the problem it is. */
  const optional = (ctx: Context, answer: AdminAnswer): Record<string, unknown> | undefined | false => {
    if (answer.status === 200) return answer.body;
    if (answer.status === 404) return undefined;
    ctx.status = answer.status;
    if (answer.retryAfter !== undefined) ctx.set('Retry-After', String(answer.retryAfter));
    ctx.type = 'html';
    ctx.body = messagePage('The admin API refused', `The admin API answered ${answer.status}: ${String(answer.body.error_description ?? answer.body.error ?? 'no reason given')}.`, { href: '/console', label: 'Back to the timeline' });
    return false;
  };

  router.get('/console', guard, (ctx) => render(ctx, 'Signing keys', timelinePage(deps.algorithms), ['console.js', 'timeline-page.js']));

  router.get('/console/keys', guard, async (ctx) => {
    const body = optional(ctx, await call(ctx, '/keys'));
    if (body !== false) render(ctx, 'Key catalog', keysPage(body ?? {}));
  });

  router.get('/console/readiness', guard, async (ctx) => {
    const body = optional(ctx, await call(ctx, '/keys/readiness'));
    if (body !== false) render(ctx, 'Rotation readiness', readinessPage(body));
  });

  router.get('/console/streams', guard, async (ctx) => {
    const body = optional(ctx, await call(ctx, '/streams'));
    if (body !== false) render(ctx, 'Security event streams', streamsPage(body));
  });

  router.get('/console/approvals', guard, async (ctx) => {
    const body = optional(ctx, await call(ctx, '/emergency'));
    if (body !== false) render(ctx, 'Approvals', approvalsPage(body, signedIn(ctx).session.username));
  });

  router.get('/console/audit', guard, async (ctx) => {
    const body = optional(ctx, await call(ctx, `/audit?limit=${AUDIT_EXAMINED}`));
    if (body === false) return;
    const events = Array.isArray(body?.events) ? body.events as Array<Record<string, unknown>> : [];
    render(ctx, 'Audit log', auditPage(events, { action: query(ctx, 'action'), actor: query(ctx, 'actor') }, events.length));
  });
}
