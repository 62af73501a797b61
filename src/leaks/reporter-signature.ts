import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { ReplayStore } from '../admin/dpop-replay-store.js';
import { ReportError } from './leak-report.js';

/** How long a signed report is remembered: the same one again within this window is a replay. */
export const REPLAY_WINDOW_SECONDS = 600;

const verifies = (key: KeyObject, body: Buffer, signature: Buffer): boolean => {
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
};

/**
 * Checks a reporter's signature (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`:
 * base64 DER ECDSA P-256 SHA-256 over the raw body) against `leaks.reporters`, then refuses the
 * same key and body seen within {@link REPLAY_WINDOW_SECONDS} on any instance. The body, not the
 * signature, is what is remembered: an ECDSA signature can be altered into another valid one.
 */
export function reporterSignatures(reporters: Readonly<Record<string, string>>, replay: ReplayStore) {
  const keys = new Map<string, KeyObject>(Object.entries(reporters).map(([id, pem]) => [id, createPublicKey(pem)]));
  return async (keyId: string, signature: string, body: Buffer): Promise<void> => {
    const key = keys.get(keyId);
    if (!key) throw new ReportError(401, 'invalid_token', `no reporter key ${keyId.slice(0, 100)} is configured (leaks.reporters)`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw new ReportError(401, 'invalid_token', 'Github-Public-Key-Signature must be a base64 signature');
    if (!verifies(key, body, Buffer.from(signature, 'base64'))) {
      throw new ReportError(401, 'invalid_token', 'the signature does not match the body for this reporter key');
    }
    const seen = createHash('sha256').update(keyId).update('\n').update(body).digest('base64url');
    if (!(await replay.firstSeen(seen, REPLAY_WINDOW_SECONDS))) {
      throw new ReportError(409, 'replayed_report', `this signed report was already received within the last ${REPLAY_WINDOW_SECONDS / 60} minutes`);
    }
  };
}
