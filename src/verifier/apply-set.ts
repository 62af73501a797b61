import { CREDENTIAL_COMPROMISE, jwksChangedType, type SecurityEvent, type SecurityEventHandler } from './set-events.js';
import type { SetClaims } from './verify-set.js';
import type { VerifierInternals } from './verifier-internals.js';

const isKidList = (value: unknown): value is string[] => Array.isArray(value) && value.every((kid) => typeof kid === 'string');

/** The events of one verified SET, as `onEvent` receives them. */
export function eventsOf(claims: SetClaims): SecurityEvent[] {
  return Object.entries(claims.events).map(([type, payload]) => ({
    type, payload, subject: claims.sub_id, jti: claims.jti, issuedAt: typeof claims.iat === 'number' ? claims.iat : undefined, txn: typeof claims.txn === 'string' ? claims.txn : undefined,
  }));
}

/**
 * What the verifier itself does with an event: a key-set change drops revoked kids at once and
 * refreshes the JWKS (as a `/jwks/events` event would); a compromised access token is refused by
 * `jti` until its `exp`. Other events only reach `onEvent`.
 */
function applyToVerifier(event: SecurityEvent, internals: VerifierInternals): void {
  const { payload } = event;
  if (event.type === jwksChangedType(internals.issuer)) {
    const { version, kids, revoked } = payload;
    if (typeof version === 'number' && isKidList(kids) && isKidList(revoked)) internals.applyJwks({ version, kids, revoked });
    return;
  }
  if (event.type === CREDENTIAL_COMPROMISE && payload.credential_type === 'access_token') {
    const { jti, exp } = payload;
    if (typeof jti === 'string' && typeof exp === 'number') internals.revokedTokens.add([{ jti, exp }]);
  }
}

/** Applies every event of a verified SET to the verifier, then hands each to `onEvent`. */
export async function applySet(claims: SetClaims, internals: VerifierInternals, onEvent: SecurityEventHandler | undefined): Promise<void> {
  const events = eventsOf(claims);
  for (const event of events) applyToVerifier(event, internals);
  if (onEvent) for (const event of events) await onEvent(event);
}
