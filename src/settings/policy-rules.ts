import { formatDuration as f } from './duration.js';
import { SettingsError } from './settings-error.js';

interface PolicyInput {
  keys: { rotationInterval: number; prePublish: number; overlap: number; tick: number };
  jwks: { maxAge: number };
  tokens: { accessTokenTTL: number; idTokenTTL: number; clockSkew: number };
  resourceServers: Record<string, { accessTokenTTL?: number | undefined }>;
  login: { window: number; lockout: number; maxLockout: number };
  session: { maxAge: number };
}

/**
 * The rules that make rotation safe for every resource server honouring Cache-Control:
 * a key is published long enough before it signs for every cached JWKS to have it, and stays
 * published after it stops signing for as long as any token it signed can live.
 */
export function checkPolicyRules({ keys, jwks, tokens, resourceServers, login, session }: PolicyInput): void {
  if (keys.tick <= 0) throw new SettingsError('config: keys.tick: must be greater than 0');
  for (const [key, value] of [['login.window', login.window], ['login.lockout', login.lockout], ['session.maxAge', session.maxAge]] as const) {
    if (value < 1) throw new SettingsError(`config: ${key}: must be at least 1s`);
  }
  if (login.maxLockout < login.lockout) {
    throw new SettingsError(`config: login.maxLockout (${f(login.maxLockout)}) must be >= login.lockout (${f(login.lockout)})`);
  }
  if (keys.prePublish < jwks.maxAge + keys.tick) {
    throw new SettingsError(`config: keys.prePublish (${f(keys.prePublish)}) must be >= jwks.maxAge + keys.tick (${f(jwks.maxAge)} + ${f(keys.tick)})`);
  }
  const longestToken = Math.max(
    tokens.accessTokenTTL,
    tokens.idTokenTTL,
    ...Object.values(resourceServers).map((rs) => rs.accessTokenTTL ?? 0),
  );
  if (keys.overlap < longestToken + tokens.clockSkew) {
    throw new SettingsError(`config: keys.overlap (${f(keys.overlap)}) must be >= max(accessTokenTTL, idTokenTTL) + clockSkew (${f(longestToken)} + ${f(tokens.clockSkew)})`);
  }
  if (keys.rotationInterval <= keys.prePublish) {
    throw new SettingsError(`config: keys.rotationInterval (${f(keys.rotationInterval)}) must be > keys.prePublish (${f(keys.prePublish)})`);
  }
}
