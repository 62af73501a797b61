import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { credentialCompromise, sessionRevoked, subjectOf, type SecurityEvent } from '../ssf/security-event.js';
import type { Logger } from '../logging/create-logger.js';
import { STOLEN_REFRESH_TOKEN } from './refresh-rotation.js';

/** Where a request keeps the security events it caused until they are written. */
const PENDING = 'rotorSecurityEvents';

interface Holder { accountId?: unknown; clientId?: unknown }

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function queue(ctx: KoaContextWithOIDC, event: SecurityEvent | undefined): void {
  if (!event) return;
  const pending = ((ctx.state[PENDING] as SecurityEvent[] | undefined) ??= []);
  // One revocation per subject and type per request: a logout revokes several grants at once.
  if (!pending.some((seen) => seen.type === event.type && JSON.stringify(seen.subId) === JSON.stringify(event.subId))) pending.push(event);
}

/** The event a revoked grant is: refresh-token reuse is a compromised credential, any other a revoked session. */
function grantRevoked(ctx: KoaContextWithOIDC, issuer: string): SecurityEvent | undefined {
  const { entities, route, client } = ctx.oidc;
  const stolen = ctx.state[STOLEN_REFRESH_TOKEN] as Holder | undefined;
  const token = (stolen ?? entities.RefreshToken ?? entities.AccessToken ?? entities.Grant) as Holder | undefined;
  const subject = subjectOf(issuer, str(token?.accountId), str(token?.clientId) ?? client?.clientId);
  if (!subject) return undefined;
  if (route === 'token' && (stolen || entities.RefreshToken)) return credentialCompromise(subject, 'refresh_token', 'a used refresh token was presented again: the grant is revoked');
  if (route === 'token') return sessionRevoked(subject, 'policy', 'a single-use credential was spent twice: the grant is revoked');
  return sessionRevoked(subject, 'user', 'the grant was revoked');
}

/**
 * Turns oidc-provider's revocations into security events, kept on the request: refresh-token
 * reuse (RISC credential-compromise), a revoked grant and a logout (CAEP session-revoked).
 */
export function collectSecurityEvents(provider: Provider, issuer: string): void {
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC) => {
    // A logout revokes grants too: it is told once, as the session it ends.
    if (ctx.oidc.route !== 'end_session_confirm') queue(ctx, grantRevoked(ctx, issuer));
  });
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const person = str(ctx.oidc.session?.accountId);
    if (person) queue(ctx, sessionRevoked({ format: 'iss_sub', iss: issuer, sub: person }, 'user', 'the person signed out'));
  });
}

/**
 * Writes the request's security events before its answer leaves: the outbox has them once the
 * client is told. A write that fails turns the answer into a 503 the client may retry.
 */
export async function writeSecurityEvents(ctx: KoaContextWithOIDC, record: (event: SecurityEvent) => Promise<void>, logger: Logger): Promise<void> {
  const pending = ctx.state[PENDING] as SecurityEvent[] | undefined;
  if (!pending?.length) return;
  ctx.state[PENDING] = [];
  try {
    for (const event of pending) await record(event);
  } catch (err) {
    logger.error('security event not stored: the request answers 503', { route: ctx.oidc?.route, types: pending.map((event) => event.type), error: (err as Error).message });
    ctx.status = 503;
    ctx.set('Retry-After', '5');
    ctx.body = { error: 'temporarily_unavailable', error_description: 'the security event could not be stored; retry shortly' };
  }
}
