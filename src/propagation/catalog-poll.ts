import type { CatalogStore } from '../keys/catalog-store.js';
import type { Logger } from '../logging/create-logger.js';
import type { ProviderHolder } from '../provider/provider-holder.js';

/**
 * Reloads the catalog whenever its stored version moved past the one held. Cheap (one
 * small read); it is the safety net under the Redis notifications, not the fast path.
 */
export async function refreshCatalog(repo: CatalogStore, holder: ProviderHolder): Promise<boolean> {
  const version = await repo.version();
  if (version === undefined || version <= holder.version) return false;
  const catalog = await repo.load();
  if (!catalog) return false;
  await holder.load(catalog);
  return true;
}

/** Polls every `intervalSeconds`; returns a stop function. */
export function startCatalogPoll(repo: CatalogStore, holder: ProviderHolder, intervalSeconds: number, logger: Logger): () => void {
  let failing = false;
  const timer = setInterval(() => {
    refreshCatalog(repo, holder).then(() => {
      if (failing) logger.info('catalog poll recovered');
      failing = false;
    }, (err: Error) => {
      if (!failing) logger.warn('catalog poll failed', { error: err.message });
      failing = true;
    });
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
