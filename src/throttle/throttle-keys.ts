import { createHash } from 'node:crypto';
import type { Attempt } from './types.js';
import { clientIpKey } from './client-ip.js';

/** The counter keys of one attempt: the subject from its IP, and the IP alone. */
export interface AttemptKeys {
  subject: string;
  ip: string;
}

/**
 * Redis key names under `<prefix>:throttle:`. The subject is normalised (NFC, so one name typed
 * two ways is one counter) and hashed with the IP: the key has a fixed length whatever was typed
 * into the login field, and names no user. The IP stays readable, so an operator can find it.
 */
export function attemptKeys(prefix: string, attempt: Attempt): AttemptKeys {
  const ip = clientIpKey(attempt.ip);
  const subject = createHash('sha256').update(attempt.subject.normalize('NFC')).update('\0').update(ip).digest('base64url').slice(0, 32);
  return { subject: `${prefix}:throttle:s:${subject}`, ip: `${prefix}:throttle:ip:${ip}` };
}
