import type { Redis } from 'ioredis';
import type { Logger } from '../logging/create-logger.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import type { ProviderHolder } from '../provider/provider-holder.js';
import { subscribeCatalog, type RevokedToken } from './catalog-channel.js';
import { startCatalogPoll } from './catalog-poll.js';

export interface PropagationDeps {
  catalog: CatalogStore;
  holder: ProviderHolder;
  /** Drop a cached client or account that changed elsewhere. */
  forgetClient(clientId: string): void;
  forgetAccount(sub: string): void;
  /** Drop a cached grant revoked elsewhere. */
  forgetGrant(grantId: string): void;
  /** Tell this instance's `/jwks/events` listeners of reported access tokens. */
  revokeTokens(tokens: RevokedToken[]): void;
  subscriber: Redis;
  prefix: string;
  pollInterval: number;
  logger: Logger;
}

/**
 * How an instance hears of changes made elsewhere (DESIGN.md "Propagation"): announcements on
 * the Redis channel drop the revoked kids they name at once, then reload the catalog version
 * named; they also drop cached clients, accounts and grants. A
 * periodic poll of the stored version catches whatever Redis lost. Returns its stop function.
 */
export function startPropagation(deps: PropagationDeps): () => void {
  const { catalog, holder, logger } = deps;
  const reload = (version: number): void => {
    const started = performance.now();
    catalog.loadVersion(version).then(async (latest) => {
      const loaded = performance.now();
      if (latest) await holder.load(latest);
      holder.settleRevoked(version);
      logger.debug('catalog reload', { version: holder.version, loadMs: Math.round(loaded - started), swapMs: Math.round(performance.now() - loaded) });
    }).catch((err: Error) => logger.warn('catalog reload failed', { error: err.message }));
  };
  const stopPoll = startCatalogPoll(catalog, holder, deps.pollInterval, logger);
  const unsubscribe = subscribeCatalog(deps.subscriber, deps.prefix, logger, {
    onVersion: (version, revoked) => {
      if (version <= holder.version) return;
      holder.dropRevoked(revoked, version);
      reload(version);
    },
    onClient: deps.forgetClient,
    onAccount: deps.forgetAccount,
    onGrant: deps.forgetGrant,
    onRevokedTokens: deps.revokeTokens,
  });
  return () => {
    stopPoll();
    unsubscribe();
  };
}
