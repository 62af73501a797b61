/** CAEP: a person's sessions (or a client's) were revoked. */
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** RISC: a credential (refresh token, access token, client secret) is compromised. */
export const CREDENTIAL_COMPROMISE = 'https://schemas.openid.net/secevent/risc/event-type/credential-compromise';
/** SSF: the answer to a verification request, sent to the one stream that asked. */
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** SSF: a stream's status changed, sent to that stream. */
export const STREAM_UPDATED = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';
/** Rotor's key-set event: the catalog changed. */
export const jwksChangedType = (issuer: string): string => `${issuer}/secevent/jwks-changed`;

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
