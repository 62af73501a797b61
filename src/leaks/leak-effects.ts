import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { recognise, TOKEN_PREFIXES } from '../keys/recognisable-token.js';
import type { ProviderHolder } from '../provider/provider-holder.js';
import { revokeGrantArtifacts } from '../provider/create-provider.js';
import type { ClientStore } from '../store/client-store.js';
import { grantIdsOf } from '../store/grants-of.js';
import type { RevokedToken } from '../propagation/catalog-channel.js';
import type { SecurityEvents } from '../ssf/security-events.js';
import { credentialCompromise, subjectOf, type CredentialType } from '../ssf/security-event.js';

export interface LeakEffectDeps {
  holder: ProviderHolder;
  clients: ClientStore;
  connection: Connection;
  issuer: string;
  /** Tells every instance's `/jwks/events` listeners that these access tokens are revoked. */
  announce(tokens: RevokedToken[]): Promise<void>;
  /** Tells SSF receivers (RISC credential-compromise), before the report is answered. */
  events?: SecurityEvents | undefined;
}

/** What a report of one token did: `effect` names it, `target` what it touched (never the token). */
export interface LeakOutcome {
  kind: 'refresh_token' | 'client_secret' | 'access_token' | 'unknown';
  live: boolean;
  effect?: 'grant.revoke' | 'client_secret.disable' | 'access_token.revoke';
  target?: string;
  grants?: number;
}

export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * What a leaked token of this server does once reported: a refresh token's grant is revoked; a
 * client's secret is disabled; an access token's grants are revoked and its `jti` announced to
 * resource servers until it expires. A token that is not this server's, or no longer live,
 * does nothing. The token's kind comes from its form, never from the reporter's `type`.
 */
export function leakEffects(deps: LeakEffectDeps) {
  const { holder, events } = deps;
  const REASON = 'the credential was reported as leaked';
  const compromised = async (type: CredentialType, person: unknown, clientId: unknown, token?: { jti: string; exp: number }): Promise<void> => {
    const subject = events && subjectOf(events.issuer, typeof person === 'string' ? person : undefined, typeof clientId === 'string' ? clientId : undefined);
    if (events && subject) await events.record(credentialCompromise(subject, type, REASON, token));
  };

  async function refreshToken(token: string): Promise<LeakOutcome> {
    const found = await holder.state.provider.RefreshToken.find(token);
    if (!found?.grantId) return { kind: 'refresh_token', live: false };
    await revokeGrantArtifacts(holder.state.provider, found.grantId);
    await compromised('refresh_token', found.accountId, found.clientId);
    return { kind: 'refresh_token', live: true, effect: 'grant.revoke', target: found.grantId, grants: 1 };
  }

  async function clientSecret(token: string): Promise<LeakOutcome> {
    const clientId = await deps.clients.findBySecret(token);
    if (!clientId) return { kind: 'client_secret', live: false };
    await deps.clients.disableSecret(clientId);
    await compromised('client_secret', undefined, clientId);
    return { kind: 'client_secret', live: true, effect: 'client_secret.disable', target: clientId };
  }

  async function accessToken(token: string): Promise<LeakOutcome | undefined> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, holder.state.localJwks, { issuer: deps.issuer, typ: 'at+jwt' }));
    } catch (err) {
      return err instanceof errors.JOSEError ? undefined : Promise.reject(err);
    }
    const { jti, exp, sub, client_id: clientId } = payload;
    if (typeof jti !== 'string' || typeof exp !== 'number') return undefined;
    // oidc-provider keeps no record of a JWT access token and names no grant in it: the grants
    // of the person it was issued to, at its client, are revoked (none for a client's own token).
    let grants = 0;
    if (typeof clientId === 'string' && typeof sub === 'string' && sub !== clientId) {
      const ids = await grantIdsOf(deps.connection, clientId, sub);
      for (const grantId of ids) await revokeGrantArtifacts(holder.state.provider, grantId);
      grants = ids.length;
    }
    await deps.announce([{ jti, exp }]);
    await compromised('access_token', sub !== clientId ? sub : undefined, clientId, { jti, exp });
    return { kind: 'access_token', live: true, effect: 'access_token.revoke', target: jti, grants };
  }

  return async (token: string): Promise<LeakOutcome> => {
    const kind = recognise(token);
    if (kind === 'refresh_token' || token.startsWith(TOKEN_PREFIXES.refresh_token)) return refreshToken(token);
    if (JWT_SHAPE.test(token)) return (await accessToken(token)) ?? { kind: 'access_token', live: false };
    if (kind === 'client_secret' || token.length >= 32) return clientSecret(token);
    return { kind: 'unknown', live: false };
  };
}
