import type Queue from 'bull';
import type { Connection } from 'mongoose';
import { deleteExpiredArtifacts } from '../store/artifact-maintenance.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import type { Logger } from '../logging/create-logger.js';

export const JANITOR_JOB = 'janitor';

/**
 * Deletes expired oidc-provider artifacts (TTL indexes are not available on every engine
 * Rotor runs on, so this job does the expiry work itself), and empties any superseded catalog
 * version a crashed writer left holding keys.
 */
export function processJanitor(queue: Queue.Queue, connection: Connection, catalog: CatalogStore, logger: Logger, now: () => Date): void {
  void queue.process(JANITOR_JOB, 1, async () => {
    const deleted = await deleteExpiredArtifacts(connection, now());
    const emptied = await catalog.emptySuperseded();
    if (deleted > 0 || emptied > 0) logger.info('janitor swept', { deleted, emptiedCatalogVersions: emptied });
    return { deleted, emptied };
  });
}
