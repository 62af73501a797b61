import Provider, { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { DOUBLE_SPEND, type ChainingAdapter } from '../store/oidc-adapter.js';

/** Set on a request that spent a refresh token again inside the grace window: the grant's id (audited as `refresh_token.replay`). */
/** Set on a refresh request that showed another client's spent refresh token: that token's `{accountId, clientId}`. */
export const STOLEN_REFRESH_TOKEN = 'rotorStolenRefreshToken';
export const REFRESH_REPLAY = 'rotorRefreshReplay';

export interface RefreshRotationOptions {
  /** `tokens.refreshReuseGrace`, in milliseconds; 0 for no window. */
  graceMs: number;
  /** The one successor of a refresh token (see `successorRefreshToken`). */
  successorOf: (predecessor: string) => string;
  now?: () => number;
}

interface GrantContext {
  state: Record<string, unknown>;
  oidc?: {
    route?: string;
    params?: { grant_type?: unknown };
    client?: { clientId: string };
    entities?: { RotatedRefreshToken?: { jti?: string; grantId?: string; exp?: number } };
  };
}

/** The request, when it is a refresh_token grant at the token endpoint. */
function refreshGrant(): GrantContext | undefined {
  const ctx = Provider.ctx as GrantContext | undefined;
  return ctx?.oidc?.route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token' ? ctx : undefined;
}

const seconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/**
 * The RefreshToken adapter for rotation by successor. A refresh token's successor is derived
 * from it (`prefixRefreshTokens`), so its one possible successor has a known unique key: the
 * refresh grant spends a token by inserting that successor, one insert for both, and a refresh
 * costs one read (the token) and one insert. oidc-provider's own `consume` writes nothing here.
 *
 * Whoever comes second with a spent token finds the successor's key taken. Then, inside
 * `graceMs` of the first spending, the same client whose successor is still unspent gets that
 * same successor again with a new access token (a replay, audited); otherwise the request is
 * refused and the grant revoked (reuse). The decision is made where the insert fails, so
 * concurrent requests are judged alike. A spent token shown by another client is reuse too.
 * Outside a refresh grant (introspection, revocation) a spent token is reported as spent.
 */
export function refreshRotationAdapter(inner: ChainingAdapter, { graceMs, successorOf, now = Date.now }: RefreshRotationOptions): Adapter {
  /** When a token was spent: when its successor was stored. */
  const spentAt = async (id: string): Promise<Date | undefined> => (await inner.storedAt(successorOf(id)))?.at;
  /** A replay is honoured while the successor is live (not revoked), recent and unspent. */
  const replayAllowed = async (id: string): Promise<boolean> => {
    if (graceMs <= 0) return false;
    const successor = successorOf(id);
    const [stored, successorSpent] = await Promise.all([inner.storedAt(successor), spentAt(successor)]);
    return stored !== undefined && !stored.revoked && now() - stored.at.getTime() < graceMs && successorSpent === undefined;
  };

  return {
    findByUid: (uid) => inner.findByUid(uid),
    findByUserCode: (userCode) => inner.findByUserCode(userCode),
    destroy: (id) => inner.destroy(id),
    revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
    async find(id: string): Promise<AdapterPayload | undefined> {
      const payload = (await inner.find(id)) ?? undefined;
      if (!payload || payload.consumed) return payload;
      const ctx = refreshGrant();
      // In a refresh by its own client, whether the token was spent shows at its successor's insert.
      if (ctx && payload.clientId === ctx.oidc?.client?.clientId) return payload;
      const spent = await spentAt(id);
      if (!spent) return payload;
      // Shown by another client once spent, a refresh token was stolen: its grant is revoked, and
      // the security event names the grant's holder (oidc-provider stops at the client mismatch
      // before it puts the token on the request).
      if (ctx && typeof payload.grantId === 'string') {
        ctx.state[DOUBLE_SPEND] = payload.grantId;
        ctx.state[STOLEN_REFRESH_TOKEN] = { accountId: payload.accountId, clientId: payload.clientId };
      }
      return { ...payload, consumed: seconds(spent) };
    },
    // Nothing to write: the successor's insert (below) spends the token.
    async consume(): Promise<void> {
      if (!refreshGrant()) throw new TypeError('a refresh token is spent only by a refresh grant, by inserting its successor');
    },
    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const ctx = refreshGrant();
      const rotated = ctx?.oidc?.entities?.RotatedRefreshToken;
      const predecessor = rotated?.jti;
      if (!ctx || predecessor === undefined || id !== successorOf(predecessor)) return inner.upsert(id, payload, expiresIn);
      // The successor's record is what refuses its predecessor again, so it is kept at least as
      // long as the predecessor lives, even if a lowered refresh-token TTL gives it a shorter life
      // (its payload's own `exp` still ends it on time).
      const keep = Math.max(expiresIn, (rotated?.exp ?? 0) - seconds(new Date(now())));
      if (await inner.insert(id, payload, keep)) return;
      // The predecessor had been spent already: the same successor again, or reuse.
      if (await replayAllowed(predecessor)) {
        ctx.state[REFRESH_REPLAY] = payload.grantId ?? 'unknown';
        return;
      }
      if (typeof payload.grantId === 'string') ctx.state[DOUBLE_SPEND] = payload.grantId;
      throw new errors.InvalidGrant('refresh token already used');
    },
  };
}

/** Whether an adapter can back rotation by successor. */
export function isChainingAdapter(adapter: Adapter): adapter is ChainingAdapter {
  const candidate = adapter as Partial<ChainingAdapter>;
  return typeof candidate.insert === 'function' && typeof candidate.storedAt === 'function';
}
