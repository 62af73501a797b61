import type Queue from 'bull';
import type { Connection } from 'mongoose';
import { deleteExpiredArtifacts } from '../store/oidc-adapter.js';
import type { Logger } from '../logging/create-logger.js';

export const JANITOR_JOB = 'janitor';

/**
 * Deletes expired oidc-provider artifacts. TTL indexes are not available on every engine
 * Rotor runs on, so this job does the expiry work itself.
 */
export function processJanitor(queue: Queue.Queue, connection: Connection, logger: Logger, now: () => Date): void {
  void queue.process(JANITOR_JOB, 1, async () => {
    const deleted = await deleteExpiredArtifacts(connection, now());
    if (deleted > 0) logger.info('janitor deleted expired artifacts', { deleted });
    return { deleted };
  });
}
