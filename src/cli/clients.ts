import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import { ClientExistsError } from '../store/client-store.js';
import { CliError, usageError } from './cli-error.js';
import type { CliContext } from './context.js';

const GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

/**
 * `rotor clients add --client-id ID [--client-secret S] [--redirect-uri URI]... [--grant-type G]...
 * [--scope "a b"] [--public] [--first-party]`. A confidential client without `--client-secret`
 * gets a generated one, printed once.
 */
export async function clientsCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'add') throw usageError(`unknown clients command ${JSON.stringify(action ?? '')}; try: rotor clients add --client-id ID`);
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true }, 'grant-type': { type: 'string', multiple: true },
      scope: { type: 'string' }, public: { type: 'boolean' }, 'first-party': { type: 'boolean' }, name: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  const clientId = values['client-id'];
  if (!clientId) throw usageError('--client-id is required');
  if (values.public && values['client-secret']) throw usageError('a --public client has no secret: drop --client-secret');
  const redirectUris = values['redirect-uri'] ?? [];
  const grantTypes = values['grant-type'] ?? (redirectUris.length > 0 ? ['authorization_code', 'refresh_token'] : ['client_credentials']);
  const unknown = grantTypes.find((grant) => !GRANTS.has(grant));
  if (unknown) throw usageError(`--grant-type ${unknown}: use authorization_code, refresh_token or client_credentials`);
  if (values.public && grantTypes.includes('client_credentials')) throw usageError('a --public client cannot use client_credentials');
  const secret = values.public ? undefined : values['client-secret'] ?? randomBytes(32).toString('base64url');
  const metadata: ClientMetadata = {
    client_id: clientId,
    ...(secret ? { client_secret: secret } : {}),
    client_name: values.name ?? clientId,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: values['post-logout-redirect-uri'] ?? [],
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: values.public ? 'none' : 'client_secret_basic',
    ...(values.scope ? { scope: values.scope } : {}),
    ...(values['first-party'] ? { first_party: true } : {}),
  };
  const ctx = await open();
  const provider = await ctx.provider();
  try {
    await provider.Client.validate(metadata);
  } catch (err) {
    const { error_description: description, message } = err as { error_description?: string; message: string };
    throw new CliError(`invalid client: ${description ?? message}`);
  }
  try {
    await ctx.store.clients.add(metadata);
  } catch (err) {
    if (err instanceof ClientExistsError) throw new CliError(err.message);
    throw err;
  }
  const shown = { client_id: clientId, ...(secret && !values['client-secret'] ? { client_secret: secret } : {}), grant_types: grantTypes, redirect_uris: redirectUris, public: Boolean(values.public) };
  ctx.out(`client ${clientId} added${'client_secret' in shown ? `; its secret (shown once): ${secret}` : ''}`, shown);
}
