import type { AuditInput } from '../audit/chain.js';
import type { Throttle } from '../throttle/index.js';

/** The result of one sign-in attempt: the account, or what to answer instead. */
export type LoginOutcome<T> =
  | { ok: true; account: T }
  | { ok: false; status: 401 | 429; message: string; retryAfter?: number };

export interface LoginThrottle {
  /**
   * Runs `verify` (the password check) unless this username is locked from this IP, or this IP
   * is; records its failure or success. A locked attempt is refused before any password work.
   */
  attempt<T>(username: string, ip: string, verify: () => Promise<T | undefined>): Promise<LoginOutcome<T>>;
}

/** The throttle, where lock-outs are audited, and the clock for "try again at". */
export interface LoginThrottleDeps {
  throttle: Throttle;
  onAudit: (event: AuditInput) => void;
  now: () => Date;
}

const WRONG = 'Wrong username or password.';
/** Bounds what a login field can put into the audit log. */
const MAX_AUDITED_NAME = 200;

/** "Too many failed sign-ins. Try again in N seconds (at HH:MM:SS UTC)." */
export function lockedMessage(retryAfter: number, now: Date): string {
  const at = new Date(now.getTime() + retryAfter * 1000).toISOString().replace('T', ' ').slice(0, 19);
  return `Too many failed sign-ins. Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'} (at ${at} UTC).`;
}

/** Login throttling for the sign-in form, with a `login.lockout` audit event for each lock-out. */
export function createLoginThrottle({ throttle, onAudit, now }: LoginThrottleDeps): LoginThrottle {
  return {
    async attempt(username, ip, verify) {
      const attempt = { subject: `user:${username}`, ip };
      const before = await throttle.check(attempt);
      if (before.locked) return { ok: false, status: 429, message: lockedMessage(before.retryAfter, now()), retryAfter: before.retryAfter };
      const account = await verify();
      if (account !== undefined) {
        // Only failures counted before this sign-in are there to clear: no Redis write otherwise.
        if (before.failing) await throttle.recordSuccess(attempt);
        return { ok: true, account };
      }
      const after = await throttle.recordFailure(attempt);
      const name = username.normalize('NFC').slice(0, MAX_AUDITED_NAME);
      for (const { scope, retryAfter } of after.lockouts) {
        onAudit({ actor: 'system:throttle', action: 'login.lockout', target: `user:${name}`, outcome: 'refused', detail: { username: name, ip: ip.slice(0, 64), scope: scope === 'subject' ? 'account' : 'ip', retryAfter } });
      }
      if (!after.locked) return { ok: false, status: 401, message: WRONG };
      return { ok: false, status: 429, message: `${WRONG} ${lockedMessage(after.retryAfter, now())}`, retryAfter: after.retryAfter };
    },
  };
}
