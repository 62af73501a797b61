import type { AdapterPayload } from 'oidc-provider';

/** The client and the account an oidc-provider artifact belongs to, where it names them. */
export interface ArtifactOwner {
  clientId?: string;
  accountId?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;

/** The `client_id` of a pushed authorization request's request object (a JWT; its signature does not matter here). */
function requestObjectClient(request: unknown): string | undefined {
  const [, body] = typeof request === 'string' ? request.split('.') : [];
  if (!body) return undefined;
  try {
    const claims = record(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    return text(claims?.client_id) ?? text(claims?.iss);
  } catch {
    return undefined;
  }
}

/**
 * Who owns an artifact. Tokens, codes and grants carry `clientId` and `accountId`; a session
 * carries `accountId`; an interaction carries the client in `params` and the person in `session`
 * or in its login result; a pushed authorization request carries the client in its request object.
 */
export function artifactOwner(payload: AdapterPayload): ArtifactOwner {
  const params = record(payload.params);
  const session = record(payload.session);
  const login = record(record(payload.result)?.login);
  const clientId = text(payload.clientId) ?? text(params?.client_id) ?? requestObjectClient(payload.request);
  const accountId = text(payload.accountId) ?? text(session?.accountId) ?? text(login?.accountId);
  return { ...(clientId ? { clientId } : {}), ...(accountId ? { accountId } : {}) };
}
