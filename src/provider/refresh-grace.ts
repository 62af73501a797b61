import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { DOUBLE_SPEND, type SpendingAdapter } from '../store/oidc-adapter.js';

/** Set on a request that spent a refresh token again inside the grace window: the grant's id (audited as `refresh_token.replay`). */
export const REFRESH_REPLAY = 'rotorRefreshReplay';

export interface RefreshGraceOptions {
  /** `tokens.refreshReuseGrace`, in milliseconds; more than 0. */
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
    entities?: { RefreshToken?: { grantId?: string } };
  };
}

/** The request, when it is a refresh_token grant at the token endpoint. */
function refreshGrant(): GrantContext | undefined {
  const ctx = Provider.ctx as GrantContext | undefined;
  return ctx?.oidc?.route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token' ? ctx : undefined;
}

/**
 * The RefreshToken adapter with a grace window: inside `graceMs` after a refresh token was spent,
 * the same client may spend it again as long as its successor has not been spent, and
 * oidc-provider's refresh_token grant then issues that same successor (its value is derived from
 * the predecessor, see `prefixRefreshTokens`) with a new access token. Whether a spending is a
 * replay is decided where the unique-key insert fails, so concurrent requests are judged alike.
 * Outside the window, once the successor was spent, or from another client, the request is
 * refused and the grant revoked, as without a window.
 */
export function refreshGraceAdapter(inner: SpendingAdapter, { graceMs, successorOf, now = Date.now }: RefreshGraceOptions): Adapter {
  const replayAllowed = async (id: string): Promise<boolean> => {
    const spent = await inner.spentAt(id);
    if (!spent || now() - spent.getTime() >= graceMs) return false;
    return (await inner.spentAt(successorOf(id))) === undefined;
  };

  return {
    upsert: (id, payload, expiresIn) => inner.upsert(id, payload, expiresIn),
    findByUid: (uid) => inner.findByUid(uid),
    findByUserCode: (userCode) => inner.findByUserCode(userCode),
    destroy: (id) => inner.destroy(id),
    revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
    // oidc-provider checks `consumed` before it spends: a spent token the window may still
    // honour is shown unspent to the grant, which then spends it again below.
    async find(id: string): Promise<AdapterPayload | undefined> {
      const payload = (await inner.find(id)) ?? undefined;
      const ctx = refreshGrant();
      if (!ctx || !payload?.consumed) return payload;
      if (payload.clientId !== ctx.oidc?.client?.clientId) {
        if (typeof payload.grantId === 'string') ctx.state[DOUBLE_SPEND] = payload.grantId;
        return payload;
      }
      if (!await replayAllowed(id)) return payload;
      const unspent = { ...payload };
      delete unspent.consumed;
      return unspent;
    },
    async consume(id: string): Promise<void> {
      const ctx = refreshGrant();
      if (!ctx) return inner.consume(id);
      if (await inner.spend(id)) return undefined;
      if (await replayAllowed(id)) {
        ctx.state[REFRESH_REPLAY] = ctx.oidc?.entities?.RefreshToken?.grantId ?? 'unknown';
        return undefined;
      }
      // Spent, and not a replay the window honours: the adapter's own consume refuses it and
      // marks the grant for revocation.
      return inner.consume(id);
    },
  };
}

/** Whether an adapter can back the grace window. */
export function isSpendingAdapter(adapter: Adapter): adapter is SpendingAdapter {
  const candidate = adapter as Partial<SpendingAdapter>;
  return typeof candidate.spend === 'function' && typeof candidate.spentAt === 'function';
}
