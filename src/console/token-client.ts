import { z } from 'zod';
import { CONSOLE_CLIENT_ID } from './console-client.js';
import { DependencyDown, needs } from './dependency-down.js';

const tokenAnswer = z.object({
  access_token: z.string(),
  expires_in: z.number(),
  refresh_token: z.string().optional(),
  id_token: z.string().optional(),
  scope: z.string().optional(),
});

/** What the token endpoint gave the console. */
export type TokenAnswer = z.infer<typeof tokenAnswer>;

/** The token endpoint refused (an expired code, a revoked grant, ...). */
export class TokenRefusal extends Error {
  readonly code = 'ROTOR_CONSOLE_TOKEN_REFUSED';
}

/**
 * The console as an OAuth client of this very server: it reaches the token endpoints through
 * this instance's own listener (`base`, loopback), authenticated with its secret.
 */
export function tokenClient(base: string, secret: string) {
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(CONSOLE_CLIENT_ID)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const post = (path: string, fields: Record<string, string>): Promise<Response> => fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(fields),
  });
  /** A refusal (4xx) is a {@link TokenRefusal}; no answer, a 5xx or an answer that is not a token set is a {@link DependencyDown}. */
  async function grant(fields: Record<string, string>): Promise<TokenAnswer> {
    const res = await needs('the token endpoint', () => post('/token', fields));
    const body: unknown = await res.json().catch(() => ({}));
    if (res.status >= 500) throw new DependencyDown('the token endpoint', new Error(`status ${res.status}`));
    if (!res.ok) throw new TokenRefusal(`the token endpoint answered ${res.status}: ${String((body as { error_description?: unknown }).error_description ?? '')}`);
    const parsed = tokenAnswer.safeParse(body);
    if (!parsed.success) throw new DependencyDown('the token endpoint', parsed.error);
    return parsed.data;
  }
  return {
    redeem: (code: string, verifier: string, redirectUri: string) => grant({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri }),
    refresh: (refreshToken: string) => grant({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    /** Revokes a refresh token (and with it the grant); failures are the caller's to ignore. */
    revoke: async (token: string): Promise<void> => {
      await post('/token/revocation', { token, token_type_hint: 'refresh_token' });
    },
  };
}

export type TokenClient = ReturnType<typeof tokenClient>;
