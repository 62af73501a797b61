import type { Counter } from 'prom-client';
import type { Logger } from '../logging/create-logger.js';
import type { Throttle } from '../throttle/index.js';
import { AdminError } from './admin-error.js';

/** What becomes of an admin request refused before anyone was authenticated. */
export interface AnonymousRefusals {
  /** Counts and logs the refusal; answers with `refusal` itself, or a 429 once the IP is past its limit. */
  refuse(request: { ip: string; method: string; path: string }, refusal: AdminError): Promise<AdminError>;
}

export interface AnonymousRefusalsDeps {
  /** Counts per client IP; a subject of its own, so it never meets the sign-in counters. */
  throttle: Throttle;
  /** `rotor_admin_unauthenticated_total`, by `result`: `refused` (401) or `throttled` (429). */
  counter: Counter<'result'>;
  logger: Logger;
}

const SUBJECT = 'admin:anonymous';

/**
 * Refusals of the admin API before anyone is authenticated: no token or a bad one (401), or a
 * body that could not be read (400, parsed before the token is checked). They name nobody, so
 * they are not chained into the audit log: a flood of them would only fill it and make real
 * events wait.
 * Each is counted (metric) and logged instead, and an IP past its limit gets 429 with
 * `Retry-After` without another log line (the lock-out itself is logged once). Only callers
 * that fail authentication are throttled: a valid token is never refused for the address it
 * comes from, so an attacker behind the security team's NAT cannot keep a rollover out.
 */
export function anonymousRefusals({ throttle, counter, logger }: AnonymousRefusalsDeps): AnonymousRefusals {
  return {
    async refuse({ ip, method, path }, refusal) {
      // One atomic charge per refusal: a locked address is not charged, and says so.
      const verdict = await throttle.recordFailure({ subject: SUBJECT, ip });
      if (verdict.locked && verdict.lockouts.length === 0) {
        counter.inc({ result: 'throttled' });
        return AdminError.refused(429, 'too_many_requests', `too many unauthenticated requests from this address; retry in ${verdict.retryAfter}s`, { 'Retry-After': String(verdict.retryAfter) });
      }
      counter.inc({ result: 'refused' });
      logger.warn('admin request unauthenticated', { ip, method, path, status: refusal.status, error: refusal.error, description: refusal.message });
      if (verdict.lockouts.length > 0) logger.warn('admin requests from an address throttled', { ip, retryAfter: verdict.retryAfter });
      return refusal;
    },
  };
}
