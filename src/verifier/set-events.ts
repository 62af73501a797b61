/** CAEP: a session (a person's, or every session of a client) was revoked. */
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** RISC: a credential leaked or was misused (for an access token: its `jti` and `exp`). */
export const CREDENTIAL_COMPROMISE = 'https://schemas.openid.net/secevent/risc/event-type/credential-compromise';
/** SSF: the answer to a verification request. */
export const SSF_VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** SSF: the stream's status changed. */
export const SSF_STREAM_UPDATED = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';
/** Rotor's own key-set event: `<issuer>/secevent/jwks-changed` `{ version, kids, revoked }`. */
export const jwksChangedType = (issuer: string): string => `${issuer.replace(/\/+$/, '')}/secevent/jwks-changed`;

/** One event of a verified Security Event Token, as `onEvent` receives it. */
export interface SecurityEvent {
  /** The event type URI (e.g. {@link SESSION_REVOKED}). */
  type: string;
  /** The event's payload (`events[type]` of the SET). */
  payload: Record<string, unknown>;
  /** The SET's subject (`sub_id`), e.g. `{ format: "iss_sub", iss, sub }`. */
  subject: Record<string, unknown> | undefined;
  /** The SET's `jti`: unique per event and stream, stable across redeliveries. */
  jti: string;
  /** The SET's `iat`, in seconds. */
  issuedAt: number | undefined;
  /** The SET's `txn`, shared by the copies of one event on several streams. */
  txn: string | undefined;
}

/** Receives each verified event once (by `jti`); a rejection makes the receiver ask for it again. */
export type SecurityEventHandler = (event: SecurityEvent) => void | Promise<void>;
