import type { ClientMetadata } from 'oidc-provider';
import { checkClientSecret, generateClientSecret, WeakSecretError } from '../store/client-secret.js';
import { CliError, usageError } from './cli-error.js';
import { parseFlags } from './flags.js';
import { cliLifecycle, refusalsAsCliErrors } from './lifecycle.js';
import type { CliContext } from './context.js';

const GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

const OPTIONS = {
  'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true }, 'grant-type': { type: 'string', multiple: true },
  scope: { type: 'string' }, public: { type: 'boolean' }, 'first-party': { type: 'boolean' }, introspection: { type: 'boolean' },
  name: { type: 'string' }, json: { type: 'boolean' },
} as const;

/** The registration the flags describe, checked as far as the command line alone allows. */
function metadataFrom(args: string[]): { metadata: ClientMetadata; generated: boolean } {
  const { values, positionals } = parseFlags(args, OPTIONS);
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}; flags take the form --name VALUE`);
  const clientId = values['client-id'];
  if (!clientId) throw usageError('--client-id is required');
  if (values.scope === undefined) throw usageError('--scope is required: the scopes this client may be granted, e.g. --scope "api:read"');
  if (values.public && values['client-secret'] !== undefined) throw usageError('a --public client has no secret: drop --client-secret');
  const redirectUris = values['redirect-uri'] ?? [];
  const grantTypes = values['grant-type'] ?? (redirectUris.length > 0 ? ['authorization_code', 'refresh_token'] : ['client_credentials']);
  const unknown = grantTypes.find((grant) => !GRANTS.has(grant));
  if (unknown) throw usageError(`--grant-type ${unknown}: use authorization_code, refresh_token or client_credentials`);
  if (values.public && grantTypes.includes('client_credentials')) throw usageError('a --public client cannot use client_credentials');
  try {
    if (values['client-secret'] !== undefined) checkClientSecret(values['client-secret']);
  } catch (err) {
    if (err instanceof WeakSecretError) throw usageError(`--client-secret: ${err.message}`);
    throw err;
  }
  const secret = values.public ? undefined : values['client-secret'] ?? generateClientSecret();
  const metadata: ClientMetadata = {
    client_id: clientId,
    ...(secret ? { client_secret: secret } : {}),
    client_name: values.name ?? clientId,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: values['post-logout-redirect-uri'] ?? [],
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: values.public ? 'none' : 'client_secret_basic',
    scope: values.scope,
    ...(values['first-party'] ? { first_party: true } : {}),
    ...(values.introspection ? { introspection_any_client: true } : {}),
  };
  return { metadata, generated: secret !== undefined && values['client-secret'] === undefined };
}

/**
 * `rotor clients add --client-id ID --scope "a b" [--client-secret S] [--redirect-uri URI]...
 * [--grant-type G]... [--public] [--first-party] [--introspection] [--name N]`. A confidential
 * client without `--client-secret` gets a generated one, printed once.
 */
export async function addClient(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const { metadata, generated } = metadataFrom(args);
  const clientId = metadata.client_id;
  const ctx = await open();
  const provider = await ctx.provider();
  try {
    await provider.Client.validate(metadata);
  } catch (err) {
    const { error_description: description, message } = err as { error_description?: string; message: string };
    throw new CliError(`invalid client: ${description ?? message}`);
  }
  await refusalsAsCliErrors(() => cliLifecycle(ctx).addClient(ctx.principal, metadata));
  const secret = generated ? metadata.client_secret : undefined;
  const publicClient = metadata.token_endpoint_auth_method === 'none';
  const shown = { client_id: clientId, ...(secret ? { client_secret: secret } : {}), grant_types: metadata.grant_types, redirect_uris: metadata.redirect_uris, scope: metadata.scope, public: publicClient };
  ctx.out(`client ${clientId} added${secret ? `; its secret (shown once): ${secret}` : ''}`, shown);
}
