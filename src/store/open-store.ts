import type { Adapter } from 'oidc-provider';
import type { Connection } from 'mongoose';
import type { Kek } from '../keys/seal.js';
import { deploymentSecrets, type DeploymentSecrets } from '../keys/deployment-secrets.js';
import { connectStore } from './connect.js';
import { AccountStore } from './account-store.js';
import { CatalogRepository } from './catalog-repository.js';
import { AuditRepository } from './audit-repository.js';
import { ClientStore } from './client-store.js';
import { ensureArtifactIndexes, MongoAdapter } from './oidc-adapter.js';
import { BearerValues } from './bearer-values.js';

export interface Store {
  connection: Connection;
  catalog: CatalogRepository;
  audit: AuditRepository;
  accounts: AccountStore;
  clients: ClientStore;
  /** The keys derived from the deployment's root secret. */
  secrets: DeploymentSecrets;
  /** oidc-provider's adapter factory: one adapter per model name, clients from {@link ClientStore}. */
  adapter: (name: string) => Adapter;
  close(): Promise<void>;
}

/** What other instances must hear of at once (wired to the Redis announcements). */
export interface StoreHooks {
  onCatalogCommitted?: (version: number, revoked: string[]) => Promise<void>;
  onClientChanged?: (clientId: string) => Promise<void>;
  onAccountChanged?: (sub: string) => Promise<void>;
}

/** Connects to MongoDB, makes sure the indexes exist and hands out the repositories. */
export async function openStore(uri: string, kek: Kek, options: { keepSpentSeconds?: number; hooks?: StoreHooks } = {}): Promise<Store> {
  const connection = await connectStore(uri);
  const secrets = deploymentSecrets(kek.key);
  const hooks = options.hooks ?? {};
  const accounts = new AccountStore(connection, { onChanged: hooks.onAccountChanged });
  const clients = new ClientStore(connection, kek, { onChanged: hooks.onClientChanged });
  const catalog = new CatalogRepository(connection, { onCommitted: hooks.onCatalogCommitted });
  const audit = new AuditRepository(connection);
  await Promise.all([ensureArtifactIndexes(connection), accounts.ensureIndexes(), catalog.ensureIndexes(), audit.ensureIndexes()]);
  const adapters = new Map<string, Adapter>();
  const bearer = new BearerValues(secrets.artifactIds);
  const clientAdapter = clients.adapter();
  return {
    connection,
    catalog,
    audit,
    accounts,
    clients,
    secrets,
    adapter(name) {
      if (name === 'Client') return clientAdapter;
      let adapter = adapters.get(name);
      if (!adapter) adapters.set(name, adapter = new MongoAdapter(connection, name, { bearer, keepSpentSeconds: options.keepSpentSeconds }));
      return adapter;
    },
    close: () => connection.close(),
  };
}
