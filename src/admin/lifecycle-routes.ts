import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { AccountStore } from '../store/account-store.js';
import type { ClientStore } from '../store/client-store.js';
import { describeClient } from '../lifecycle/describe-client.js';
import { createLifecycleOperations } from '../lifecycle/lifecycle-operations.js';
import { LifecycleError } from '../lifecycle/lifecycle-error.js';
import { httpErrorFor } from '../http/error-table.js';
import { AdminError } from './admin-error.js';
import type { AdminPrincipal } from './authenticate.js';
import type { Guard } from './guard.js';
import { parseInput } from './parse-input.js';
import type { SecurityEvents } from '../ssf/security-events.js';
import { clientIdParam, lifecycleChangeBody, usernameParam } from './lifecycle-schemas.js';

export interface LifecycleRouteDeps {
  clients: ClientStore;
  accounts: AccountStore;
  audit: AuditTrail;
  /** Receivers hear of removed clients and disabled people (CAEP session-revoked). */
  securityEvents?: SecurityEvents | undefined;
}

const SCOPE = 'admin:clients';

/**
 * Answers a refused change itself: the lifecycle operation has audited the refusal already,
 * and the admin router would audit it a second time if it were thrown on.
 */
async function answerRefusals(ctx: Context, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof LifecycleError)) throw err;
    const { status, error } = httpErrorFor(err.code);
    ctx.status = status;
    ctx.body = { error, error_description: err.message, code: err.code };
  }
}

/**
 * Clients and users under the scope `admin:clients`: list and inspect clients, remove one
 * (with everything issued to it), rotate its secret, list users, disable and enable them. Every
 * change needs a reason and is audited as the caller.
 *
 * Registering clients, creating users, setting passwords and granting roles stay with the CLI on
 * purpose: whoever holds a token must not be able to mint a new member of the security team (a
 * user with `security`, or a client registered for `admin:*` scopes) and so outlive the revocation
 * of that token. The API can only take access away.
 */
export function lifecycleRoutes(router: Router, guard: Guard, deps: LifecycleRouteDeps): void {
  const operations = createLifecycleOperations({ ...deps, events: deps.securityEvents });
  const readAudited = async (principal: AdminPrincipal, action: string): Promise<void> => {
    await deps.audit.record({ ...principal.principal, action, outcome: 'ok' });
  };

  router.get('/clients', guard(SCOPE, async (ctx, principal) => {
    ctx.body = { clients: (await deps.clients.list()).map(describeClient) };
    await readAudited(principal, 'admin.clients.list');
  }));

  router.get('/clients/:id', guard(SCOPE, async (ctx, principal) => {
    const id = parseInput(clientIdParam, ctx.params.id);
    const view = await deps.clients.describe(id);
    if (!view) throw AdminError.fromDomain('ROTOR_UNKNOWN_CLIENT', `no client ${id}`);
    ctx.body = describeClient(view);
    await readAudited(principal, 'admin.clients.show');
  }));

  router.delete('/clients/:id', guard(SCOPE, async (ctx, principal) => {
    const id = parseInput(clientIdParam, ctx.params.id);
    const { reason } = parseInput(lifecycleChangeBody, ctx.request.body);
    await answerRefusals(ctx, async () => {
      const { artifacts } = await operations.removeClient(principal.principal, id, reason);
      ctx.body = { client_id: id, removed: true, artifactsDeleted: artifacts };
    });
  }));

  router.post('/clients/:id/rotate-secret', guard(SCOPE, async (ctx, principal) => {
    const id = parseInput(clientIdParam, ctx.params.id);
    const { reason } = parseInput(lifecycleChangeBody, ctx.request.body);
    await answerRefusals(ctx, async () => {
      ctx.body = { client_id: id, client_secret: await operations.rotateClientSecret(principal.principal, id, reason) };
    });
  }));

  router.get('/users', guard(SCOPE, async (ctx, principal) => {
    ctx.body = { users: await deps.accounts.list() };
    await readAudited(principal, 'admin.users.list');
  }));

  for (const action of ['disable', 'enable'] as const) {
    router.post(`/users/:username/${action}`, guard(SCOPE, async (ctx, principal) => {
      const username = parseInput(usernameParam, ctx.params.username);
      const { reason } = parseInput(lifecycleChangeBody, ctx.request.body);
      await answerRefusals(ctx, async () => {
        const { account, artifacts } = await operations.setUserDisabled(principal.principal, username, action === 'disable', reason);
        ctx.body = { ...account, artifactsDeleted: artifacts };
      });
    }));
  }
}
