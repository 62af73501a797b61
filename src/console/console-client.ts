import type { ClientMetadata } from 'oidc-provider';
import { CONSOLE_CLIENT_ID } from '../lifecycle/reserved-clients.js';

export { CONSOLE_CLIENT_ID };

/**
 * What the console asks for: an ID token, a refresh token, and the admin scopes of the pages
 * and actions it has (a person gets them only with `security`). Not `admin:clients`: the
 * console manages no clients or users, so the tokens it holds cannot either.
 */
export const CONSOLE_SCOPE = ['openid', 'offline_access', 'admin:keys', 'admin:emergency', 'admin:audit'].join(' ');

/** Where the authorization server sends the browser back to. */
export const callbackUrl = (issuer: string): string => `${issuer}/console/callback`;

/**
 * The console's registration: a confidential, first-party (no consent page) client using the
 * authorization code grant with PKCE and refresh tokens. Its secret is derived from the
 * deployment's root secret, so every instance knows it without reading it back.
 */
export function consoleClientMetadata(issuer: string, secret: Buffer): ClientMetadata {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_secret: secret.toString('base64url'),
    client_name: 'Rotor console',
    redirect_uris: [callbackUrl(issuer)],
    post_logout_redirect_uris: [`${issuer}/console/signed-out`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: CONSOLE_SCOPE,
    first_party: true,
  };
}

export interface ConsoleClientDeps {
  clients: { register(metadata: ClientMetadata): Promise<void> };
  /** oidc-provider's validation of a registration (`provider.Client.validate`). */
  validate(metadata: ClientMetadata): Promise<void>;
  issuer: string;
  secret: Buffer;
}

/** Registers the console's client, or brings it up to date (a new issuer moves its redirect URI). */
export async function registerConsoleClient(deps: ConsoleClientDeps): Promise<ClientMetadata> {
  const metadata = consoleClientMetadata(deps.issuer, deps.secret);
  await deps.validate(metadata);
  await deps.clients.register(metadata);
  return metadata;
}
