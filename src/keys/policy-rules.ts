import { formatDuration as f } from './duration.js';

/** What the rollover rules read: the key policy and every lifetime a signed token can have (seconds). */
export interface PolicyRuleInput {
  keys: { rotationInterval: number; prePublish: number; overlap: number; tick: number };
  jwks: { maxAge: number };
  tokens: { accessTokenTTL: number; idTokenTTL: number; clockSkew: number };
  resourceServers: Record<string, { accessTokenTTL?: number | undefined }>;
}

/**
 * The rules that make rotation safe for every resource server honouring Cache-Control:
 * a key is published long enough before it signs for every cached JWKS to have it, and stays
 * published after it stops signing for as long as any token it signed can live.
 * @returns the first rule broken, as one line naming the keys, or `undefined` when all hold.
 */
export function policyViolation({ keys, jwks, tokens, resourceServers }: PolicyRuleInput): string | undefined {
  if (keys.tick <= 0) return 'keys.tick: must be greater than 0';
  if (keys.prePublish < jwks.maxAge + keys.tick) {
    return `keys.prePublish (${f(keys.prePublish)}) must be >= jwks.maxAge + keys.tick (${f(jwks.maxAge)} + ${f(keys.tick)})`;
  }
  const longestToken = Math.max(
    tokens.accessTokenTTL,
    tokens.idTokenTTL,
    ...Object.values(resourceServers).map((rs) => rs.accessTokenTTL ?? 0),
  );
  if (keys.overlap < longestToken + tokens.clockSkew) {
    return `keys.overlap (${f(keys.overlap)}) must be >= max(accessTokenTTL, idTokenTTL) + clockSkew (${f(longestToken)} + ${f(tokens.clockSkew)})`;
  }
  if (keys.rotationInterval <= keys.prePublish) {
    return `keys.rotationInterval (${f(keys.rotationInterval)}) must be > keys.prePublish (${f(keys.prePublish)})`;
  }
  return undefined;
}
