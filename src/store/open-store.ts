import type { Adapter } from 'oidc-provider';
import type { Connection } from 'mongoose';
import type { Keyring } from '../keys/seal.js';
import type { KeyRecord } from '../keys/catalog.js';
import { deploymentSecrets, type DeploymentSecrets } from '../keys/deployment-secrets.js';
import { checkKeyringCovers } from '../keys/keyring-coverage.js';
import { connectStore } from './connect.js';
import { AccountStore } from './account-store.js';
import { CatalogRepository } from './catalog-repository.js';
import { AuditRepository } from './audit-repository.js';
import { ClientStore } from './client-store.js';
import { SecretRepository } from './secret-repository.js';
import { loadRootSecret, type RootCreation } from './root-secret.js';
import { sealedValues } from './sealed-values.js';
import { MongoAdapter } from './oidc-adapter.js';
import { ensureArtifactIndexes } from './artifact-maintenance.js';
import { BearerValues } from './bearer-values.js';

export interface Store {
  connection: Connection;
  catalog: CatalogRepository;
  audit: AuditRepository;
  accounts: AccountStore;
  clients: ClientStore;
  /** Where the deployment's root secret is kept, sealed. */
  secretRepository: SecretRepository;
  /** The keys derived from the deployment's root secret. */
  secrets: DeploymentSecrets;
  /** Set when this start created the root secret, and why. */
  rootCreated: RootCreation | undefined;
  /** oidc-provider's adapter factory: one adapter per model name, clients from {@link ClientStore}. */
  adapter: (name: string) => Adapter;
  close(): Promise<void>;
}

/** What other instances must hear of at once (wired to the Redis announcements). */
export interface StoreHooks {
  onCatalogCommitted?: (version: number, revoked: string[], keys: KeyRecord[]) => Promise<void>;
  onClientChanged?: (clientId: string) => Promise<void>;
  onAccountChanged?: (sub: string) => Promise<void>;
}

/**
 * Connects to MongoDB, makes sure the indexes exist, checks that the keyring holds the KEK of
 * every sealed value, loads (or on a new deployment creates) the root secret and hands out the
 * repositories. A KEK still needed but missing fails here, in one line naming what it seals.
 */
export async function openStore(uri: string, keyring: Keyring, options: { keepSpentSeconds?: number; hooks?: StoreHooks } = {}): Promise<Store> {
  const connection = await connectStore(uri);
  try {
    const hooks = options.hooks ?? {};
    const accounts = new AccountStore(connection, { onChanged: hooks.onAccountChanged });
    const clients = new ClientStore(connection, keyring, { onChanged: hooks.onClientChanged });
    const catalog = new CatalogRepository(connection, { onCommitted: hooks.onCatalogCommitted });
    const audit = new AuditRepository(connection);
    const secretRepository = new SecretRepository(connection);
    await Promise.all([ensureArtifactIndexes(connection), accounts.ensureIndexes(), catalog.ensureIndexes(), audit.ensureIndexes()]);
    checkKeyringCovers(await sealedValues(secretRepository, catalog, clients), keyring);
    const inUse = async (): Promise<boolean> => (await catalog.version()) !== undefined || (await audit.head()) !== undefined;
    const { root, created } = await loadRootSecret(secretRepository, keyring, inUse);
    const secrets = deploymentSecrets(root, keyring.all.map((kek) => kek.key));
    const adapters = new Map<string, Adapter>();
    const bearer = new BearerValues(secrets.artifactIds);
    const clientAdapter = clients.adapter();
    return {
      connection,
      catalog,
      audit,
      accounts,
      clients,
      secretRepository,
      secrets,
      rootCreated: created,
      adapter(name) {
        if (name === 'Client') return clientAdapter;
        let adapter = adapters.get(name);
        if (!adapter) adapters.set(name, adapter = new MongoAdapter(connection, name, { bearer, keepSpentSeconds: options.keepSpentSeconds }));
        return adapter;
      },
      close: () => connection.close(),
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
