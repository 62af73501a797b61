/** The data of a `jwks` event on `<issuer>/jwks/events`. */
export interface JwksEventData {
  version: number;
  /** Every kid the issuer publishes now. */
  kids: string[];
  /** Kids revoked in this change. */
  revoked: string[];
}

const isKidList = (value: unknown): value is string[] => Array.isArray(value) && value.every((kid) => typeof kid === 'string');

/** Parses and checks the data of a `jwks` event; `undefined` when it is not one. */
export function parseJwksEvent(data: string): JwksEventData | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { version, kids, revoked } = parsed as Record<string, unknown>;
  if (typeof version !== 'number' || !isKidList(kids) || !isKidList(revoked)) return undefined;
  return { version, kids, revoked };
}
