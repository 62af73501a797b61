import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider, { errors, type Configuration } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import { openStore } from '../src/store/open-store.js';
import { MongoAdapter } from '../src/store/oidc-adapter.js';
import { BearerValues } from '../src/store/bearer-values.js';
import { kekFromBytes, keyringOf } from '../src/keys/seal.js';

/**
 * The baseline of the throughput benchmarks: bare oidc-provider with static keys, on the same
 * mongoose adapter and engines as Rotor, configured for the same grants and JWT access tokens,
 * but with none of Rotor's own layers (catalog, holder, Koa app, admin, metrics, audit).
 * Refresh tokens are spent as oidc-provider's example MongoDB adapter spends them: `consume`
 * sets `consumed` on the token's own document (one update), `find` reads it back with the token.
 * Env: PORT, ISSUER, MONGODB_URI, ALG.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  const issuer = process.env.ISSUER!;
  const alg = (process.env.ALG ?? 'ES256') as 'RS256' | 'ES256' | 'EdDSA';
  const store = await openStore(process.env.MONGODB_URI!, keyringOf([kekFromBytes(randomBytes(32))]));
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'static', alg, use: 'sig' };
  await store.clients.add({ client_id: 'bench-cc', client_secret: 'bench-secret-0123456789-abcdefghij', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api:read api:write' });
  await store.clients.add({ client_id: 'bench-spa', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['http://127.0.0.1:9/cb'], scope: 'openid offline_access api:read' });
  const api = `${issuer}/api`;
  // A kind of its own: spent by an update of the token's document, as in oidc-provider's example
  // adapter; found by its id alone, so stored as Rotor stores its own refresh tokens.
  const refreshTokens = new MongoAdapter(store.connection, 'BaselineRefreshToken', { bearer: new BearerValues(randomBytes(32)), foundByIdOnly: true });
  const configuration: Configuration = {
    adapter: (name: string) => (name === 'RefreshToken' ? refreshTokens : store.adapter(name)),
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['baseline-cookie-key'] },
    scopes: ['openid', 'offline_access', 'api:read', 'api:write'],
    clientDefaults: { id_token_signed_response_alg: alg, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => api,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== api) throw new errors.InvalidTarget();
          return { scope: 'api:read api:write', accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
        },
      },
    },
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: () => ({ sub }) };
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    ttl: { AccessToken: 300, ClientCredentials: 300, IdToken: 3600, RefreshToken: 14 * 86400, Grant: 30 * 86400, Session: 86400, Interaction: 3600, AuthorizationCode: 60 },
  };
  const provider = new Provider(issuer, configuration);
  createServer(provider.callback()).listen(port, () => process.stdout.write(`baseline listening on ${port}\n`));
  process.once('SIGTERM', () => process.exit(0));
}

main().catch((err: Error) => {
  process.stderr.write(`baseline: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
