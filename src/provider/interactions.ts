import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountStore } from '../store/account-store.js';
import type { Logger } from '../logging/create-logger.js';
import { consentPage, loginPage } from './views/interaction-pages.js';
import type { LoginThrottle } from './login-throttle.js';

export interface InteractionDeps {
  provider: () => Provider;
  accounts: AccountStore;
  csrfKey: Buffer;
  logger: Logger;
  loginThrottle: LoginThrottle;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

function formField(ctx: Context, name: string): string {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * The login and consent pages oidc-provider sends the browser to. Posts must carry a CSRF
 * token bound to the interaction (an HMAC of its uid under a KEK-derived key), on top of the
 * SameSite interaction cookie.
 */
export function interactionRouter({ provider, accounts, csrfKey, logger, loginThrottle }: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const csrfFor = (uid: string): string => createHmac('sha256', csrfKey).update(uid).digest('base64url');
  const checkCsrf = (ctx: Context, uid: string): boolean => {
    const given = Buffer.from(formField(ctx, 'csrf'));
    const expected = Buffer.from(csrfFor(uid));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  router.use(async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '16kb', onError: (_err, ctx) => ctx.throw(400, 'the form could not be read') }));

  const details = async (ctx: Context) => {
    const interaction = await provider().interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== ctx.params.uid) ctx.throw(400, 'this sign-in request is not the one in progress');
    const client = await provider().Client.find(String(interaction.params.client_id));
    if (!client) ctx.throw(400, 'unknown client');
    return { interaction, client: client! };
  };

  router.get('/', async (ctx) => {
    const { interaction, client } = await details(ctx);
    const name = client.clientName ?? client.clientId;
    const uid = interaction.uid;
    if (interaction.prompt.name === 'login') {
      ctx.type = 'html';
      ctx.body = loginPage(uid, csrfFor(uid), name);
      return;
    }
    if ((client.metadata() as { first_party?: boolean }).first_party) {
      await finishConsent(ctx);
      return;
    }
    const prompt = interaction.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    const scopes = [...(prompt.missingOIDCScope ?? []), ...Object.values(prompt.missingResourceScopes ?? {}).flat()];
    ctx.type = 'html';
    ctx.body = consentPage(uid, csrfFor(uid), name, scopes);
  });

  router.post('/login', async (ctx) => {
    const { interaction, client } = await details(ctx);
    if (interaction.prompt.name !== 'login') ctx.throw(400, 'this sign-in request does not expect a login');
    if (!checkCsrf(ctx, interaction.uid)) ctx.throw(403, 'the form has expired or did not come from this site; start again');
    const login = formField(ctx, 'login');
    const outcome = await loginThrottle.attempt(login, ctx.ip, () => accounts.authenticate(login, formField(ctx, 'password')));
    if (!outcome.ok) {
      logger.info('login failed', { clientId: client.clientId, throttled: outcome.status === 429 });
      ctx.status = outcome.status;
      if (outcome.retryAfter) ctx.set('Retry-After', String(outcome.retryAfter));
      ctx.type = 'html';
      ctx.body = loginPage(interaction.uid, csrfFor(interaction.uid), client.clientName ?? client.clientId, outcome.message, login);
      return;
    }
    await provider().interactionFinished(ctx.req, ctx.res, { login: { accountId: outcome.account.sub } }, { mergeWithLastSubmission: false });
    ctx.respond = false;
  });

  async function finishConsent(ctx: Context): Promise<void> {
    const p = provider();
    const interaction = await p.interactionDetails(ctx.req, ctx.res);
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'consent' || !accountId) ctx.throw(400, 'this sign-in request does not expect consent');
    const grant = interaction.grantId
      ? await p.Grant.find(interaction.grantId)
      : new p.Grant({ accountId, clientId: String(interaction.params.client_id) });
    if (!grant) ctx.throw(400, 'the grant of this request is gone; start again');
    const prompt = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (prompt.missingOIDCScope) grant!.addOIDCScope(prompt.missingOIDCScope.join(' '));
    if (prompt.missingOIDCClaims) grant!.addOIDCClaims(prompt.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) grant!.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant!.save();
    await p.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    ctx.respond = false;
  }

  router.post('/confirm', async (ctx) => {
    const { interaction } = await details(ctx);
    if (!checkCsrf(ctx, interaction.uid)) ctx.throw(403, 'the form has expired or did not come from this site; start again');
    await finishConsent(ctx);
  });

  router.post('/abort', async (ctx) => {
    const { interaction } = await details(ctx);
    if (!checkCsrf(ctx, interaction.uid)) ctx.throw(403, 'the form has expired or did not come from this site; start again');
    await provider().interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'the user denied the request' }, { mergeWithLastSubmission: false });
    ctx.respond = false;
  });

  return router;
}
