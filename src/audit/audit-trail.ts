import type { Logger } from '../logging/create-logger.js';
import type { AuditLog } from './audit-log.js';
import type { AuditEvent, AuditInput } from './chain.js';

/** Records audit events: hash-chained in MongoDB, and one JSON log line each for a SIEM. */
export interface AuditTrail {
  record(input: AuditInput): Promise<AuditEvent | undefined>;
}

/**
 * Never throws: an audit write that fails is logged as an error with the whole event, so the
 * SIEM still has it, and the operation it describes is not undone.
 */
export function createAuditTrail(log: AuditLog, logger: Logger, now: () => Date): AuditTrail {
  return {
    async record(input) {
      try {
        const event = await log.append(input, now());
        logger.info('audit', { audit: { ...event, at: event.at.toISOString() } });
        return event;
      } catch (err) {
        logger.error('audit event could not be stored', { audit: input, error: (err as Error).message });
        return undefined;
      }
    },
  };
}
