import { randomBytes } from 'node:crypto';
import { CREDENTIAL_COMPROMISE, SESSION_REVOKED, STREAM_UPDATED, VERIFICATION, jwksChangedType } from './event-types.js';

/** The subject of a SET (RFC 9493 subject identifiers). */
export type SubjectId =
  | { format: 'iss_sub'; iss: string; sub: string }
  | { format: 'opaque'; id: string }
  | { format: 'uri'; uri: string };

/** One security event as the outbox keeps it, before it is signed for each stream. */
export interface SecurityEvent {
  /** Sortable by time; `txn` of every SET made from it. */
  id: string;
  type: string;
  subId: SubjectId;
  payload: Record<string, unknown>;
  at: Date;
  /** Set for events meant for one stream only (verification, stream-updated). */
  streamId?: string;
}

export type InitiatingEntity = 'admin' | 'user' | 'policy' | 'system';
export type CredentialType = 'refresh_token' | 'access_token' | 'client_secret';

/** A new event id: the time first (so ids sort by time), then randomness. */
export const newEventId = (at: Date): string => `${at.getTime().toString(36).padStart(10, '0')}-${randomBytes(9).toString('base64url')}`;

const seconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** The subject: a person of this issuer, else the client. */
export const subjectOf = (issuer: string, person: string | undefined, clientId: string | undefined): SubjectId | undefined =>
  person ? { format: 'iss_sub', iss: issuer, sub: person } : clientId ? { format: 'opaque', id: clientId } : undefined;

/** CAEP session-revoked. */
export function sessionRevoked(subId: SubjectId, initiating: InitiatingEntity, reason: string, at = new Date()): SecurityEvent {
  return { id: newEventId(at), type: SESSION_REVOKED, subId, at, payload: { event_timestamp: seconds(at), initiating_entity: initiating, reason_admin: { en: reason } } };
}

/** RISC credential-compromise; for a leaked access token, its `jti` and `exp` (seconds). */
export function credentialCompromise(subId: SubjectId, credentialType: CredentialType, reason: string, token: { jti?: string; exp?: number } = {}, at = new Date()): SecurityEvent {
  return { id: newEventId(at), type: CREDENTIAL_COMPROMISE, subId, at, payload: { event_timestamp: seconds(at), credential_type: credentialType, reason_admin: { en: reason }, ...token } };
}

/**
 * Rotor's key-set event for one catalog version. Its id is derived from the version, so the
 * instance that wrote the version and the sweeper that checks for it write it once between them.
 */
export function jwksChanged(issuer: string, version: number, kids: string[], revoked: string[], at = new Date()): SecurityEvent {
  return { id: `jwks-v${String(version).padStart(12, '0')}`, type: jwksChangedType(issuer), subId: { format: 'uri', uri: `${issuer}/jwks` }, at, payload: { version, kids, revoked } };
}

/** SSF verification, for one stream. */
export function verification(streamId: string, state: string | undefined, at = new Date()): SecurityEvent {
  return { id: newEventId(at), type: VERIFICATION, subId: { format: 'opaque', id: streamId }, at, streamId, payload: state === undefined ? {} : { state } };
}

/** SSF stream-updated, for one stream. */
export function streamUpdated(streamId: string, status: string, reason: string | undefined, at = new Date()): SecurityEvent {
  return { id: newEventId(at), type: STREAM_UPDATED, subId: { format: 'opaque', id: streamId }, at, streamId, payload: reason === undefined ? { status } : { status, reason } };
}
