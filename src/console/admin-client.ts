import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsoleSession, SessionStore } from './session-store.js';
import type { TokenClient } from './token-client.js';
import { needs } from './dependency-down.js';

/** What the admin API answered: its status, its JSON body, and the retry time of a 429. */
export interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfter?: number | undefined;
}

/** The person's session has ended (tokens refused and no refresh possible): sign in again. */
export class SessionEnded extends Error {
  readonly code = 'ROTOR_CONSOLE_SESSION_ENDED';
}

const EARLY_MS = 15_000;
/** How long one refresh may hold the others of its session waiting (the lock lives as long). */
export const REFRESH_WAIT_MS = 20_000;

/**
 * Calls the admin API as the signed-in person, with their own access token, so the audit log
 * names them. The token is refreshed shortly before it expires: one refresh per session at a
 * time across instances (refresh tokens rotate, and a used one presented twice revokes the grant).
 */
export function adminClient(base: string, sessions: SessionStore, tokens: TokenClient) {
  async function refreshed(id: string, session: ConsoleSession): Promise<ConsoleSession> {
    if (!session.refreshToken) throw new SessionEnded('the access token expired');
    const owner = await sessions.lockRefresh(id, REFRESH_WAIT_MS);
    if (!owner) {
      for (let tries = 0; tries < REFRESH_WAIT_MS / 100; tries++) {
        await sleep(100);
        const current = await sessions.find(id);
        if (!current) throw new SessionEnded('signed out');
        if (current.accessToken !== session.accessToken) return current;
      }
      throw new SessionEnded('the tokens could not be refreshed');
    }
    try {
      // Someone may have refreshed since this request read the session: their tokens are the
      // current ones, and the refresh token in hand is spent (presenting it again revokes the grant).
      const stored = await sessions.find(id);
      if (!stored) throw new SessionEnded('signed out');
      if (stored.accessToken !== session.accessToken) return stored;
      const answer = await tokens.refresh(session.refreshToken).catch((err: Error) => {
        throw new SessionEnded(err.message);
      });
      const next: ConsoleSession = { ...session, accessToken: answer.access_token, accessExpiresAt: Date.now() + answer.expires_in * 1000, refreshToken: answer.refresh_token ?? session.refreshToken };
      await sessions.update(id, next);
      return next;
    } finally {
      await sessions.unlockRefresh(id, owner);
    }
  }

  async function send(session: ConsoleSession, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
    const res = await needs('the admin API', () => fetch(`${base}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${session.accessToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }));
    const parsed: unknown = await res.json().catch(() => ({}));
    const retry = Number(res.headers.get('retry-after'));
    return { status: res.status, body: parsed !== null && typeof parsed === 'object' ? parsed as Record<string, unknown> : {}, retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined };
  }

  return {
    async call(id: string, session: ConsoleSession, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
      let current = session.accessExpiresAt - Date.now() < EARLY_MS ? await refreshed(id, session) : session;
      let answer = await send(current, method, path, body);
      if (answer.status === 401 && current.refreshToken) {
        current = await refreshed(id, current);
        answer = await send(current, method, path, body);
      }
      if (answer.status === 401) throw new SessionEnded('the admin API refused the session\'s token');
      return answer;
    },
  };
}

export type AdminClient = ReturnType<typeof adminClient>;
