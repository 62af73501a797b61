import type { Logger } from '../logging/create-logger.js';
import type { SecurityEvent } from './security-event.js';
import type { SsfStores } from './ssf-stores.js';
import { fanOut } from './fan-out.js';

/** Where the event sources (provider, lifecycle, leaks, catalog) hand their events. */
export interface SecurityEvents {
  /** The issuer events name people under (`iss_sub`). */
  readonly issuer: string;
  /**
   * Writes `event` to the outbox and resolves once it is there: the caller acknowledges its
   * operation only after. Delivery starts right away, apart from the caller: a slow or dead
   * receiver never delays it.
   */
  record(event: SecurityEvent): Promise<void>;
  /** Deletes the streams of a removed client, and their deliveries. */
  forgetClient(clientId: string): Promise<void>;
}

/**
 * The outbox writer. With `enqueue` (a server instance: the first push of a delivery, on the
 * delivery queue) each event is fanned out and its pushes enqueued at once; without it (the CLI,
 * which loads no queue) the sweeper does it at its next run.
 */
export function securityEvents(issuer: string, stores: SsfStores, enqueue: ((jti: string) => Promise<void>) | undefined, logger: Logger): SecurityEvents {
  const dispatch = async (event: SecurityEvent): Promise<void> => {
    if (!enqueue) return;
    const push = await fanOut(stores, event);
    await Promise.all(push.map((jti) => enqueue(jti)));
  };
  return {
    issuer,
    async forgetClient(clientId) {
      for (const id of await stores.streams.removeOfClient(clientId)) await stores.deliveries.removeOfStream(id);
    },
    async record(event) {
      await stores.outbox.record(event);
      dispatch(event).catch((err: Error) => logger.warn('security event written; its delivery starts at the next sweep', { event: event.id, type: event.type, error: err.message }));
    },
  };
}
