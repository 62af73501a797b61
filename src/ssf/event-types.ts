/**
 * The event types this transmitter sends are the ones `rotor/verifier` understands: one
 * definition for both sides, so the URIs cannot drift apart.
 */
import { CREDENTIAL_COMPROMISE, SESSION_REVOKED, SSF_STREAM_UPDATED as STREAM_UPDATED, SSF_VERIFICATION as VERIFICATION, jwksChangedType } from '../verifier/set-events.js';

export { CREDENTIAL_COMPROMISE, SESSION_REVOKED, STREAM_UPDATED, VERIFICATION, jwksChangedType };

/** Every event type this transmitter sends, for `events_supported`. */
export const supportedEventTypes = (issuer: string): string[] => [jwksChangedType(issuer), SESSION_REVOKED, CREDENTIAL_COMPROMISE, VERIFICATION, STREAM_UPDATED];

/**
 * Event types that name people and clients: a receiver is entitled to them only when its
 * client was registered with `--introspection`, the registration that already lets a resource
 * server learn about tokens of other clients. Every receiver is entitled to the rest.
 */
export const SUBJECT_EVENT_TYPES: ReadonlySet<string> = new Set([SESSION_REVOKED, CREDENTIAL_COMPROMISE]);

/** The event types a stream delivers: those requested that are supported and the receiver is entitled to. */
export function deliveredEventTypes(issuer: string, requested: readonly string[], subjectsEntitled: boolean): string[] {
  const supported = new Set(supportedEventTypes(issuer));
  return [...new Set(requested)].filter((type) => supported.has(type) && (subjectsEntitled || !SUBJECT_EVENT_TYPES.has(type)));
}
