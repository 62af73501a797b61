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

/** One access token the issuer revoked (a `revoked-tokens` event): refused until `exp` (seconds). */
export interface RevokedTokenData {
  jti: string;
  exp: number;
}

/** Parses the data of a `revoked-tokens` event (`{"revokedTokens":[{"jti","exp"}]}`); `undefined` when it is not one. */
export function parseRevokedTokensEvent(data: string): RevokedTokenData[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  const list = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).revokedTokens : undefined;
  if (!Array.isArray(list)) return undefined;
  const tokens = list.filter((item): item is RevokedTokenData => typeof item === 'object' && item !== null
    && typeof (item as RevokedTokenData).jti === 'string' && typeof (item as RevokedTokenData).exp === 'number');
  return tokens.length === list.length ? tokens : undefined;
}
