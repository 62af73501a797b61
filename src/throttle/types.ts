/** One authentication attempt: who it is for (`user:<name>`, `client:<id>`) and where it came from. */
export interface Attempt {
  subject: string;
  ip: string;
}

/** Which counter a lock belongs to: the subject from this IP, or the IP whatever the subject. */
export type ThrottleScope = 'subject' | 'ip';

/** The limits, in seconds where they are durations (the shape of `settings.login`). */
export interface ThrottleLimits {
  /** Failures of one subject from one IP within `window` that lock it there. */
  maxFailures: number;
  /** Failures from one IP, whatever the subject, within `window` that lock the IP. */
  maxFailuresPerIp: number;
  window: number;
  /** The first lock-out; each further one of the same key within a day doubles it. */
  lockout: number;
  maxLockout: number;
}

/** Whether an attempt may go ahead; `retryAfter` is whole seconds (0 when not locked). */
export interface Verdict {
  locked: boolean;
  retryAfter: number;
  /** Whether failures of the subject from this IP are being counted: only then has a success anything to clear. */
  failing: boolean;
  /** The lock that lasts longest, when locked. */
  scope?: ThrottleScope | undefined;
}

/** A lock this very failure caused, for the audit trail. */
export interface Lockout {
  scope: ThrottleScope;
  retryAfter: number;
}

/** The verdict after a failure, and the locks it caused (empty unless a limit was just reached). */
export interface FailureVerdict extends Verdict {
  lockouts: Lockout[];
}

/** Counts failures and answers whether an attempt is locked. Never throws, never fails open. */
export interface Throttle {
  check(attempt: Attempt): Promise<Verdict>;
  recordFailure(attempt: Attempt): Promise<FailureVerdict>;
  /** Clears the failures of the attempt's subject from its IP (not the IP's own count). */
  recordSuccess(attempt: Attempt): Promise<void>;
}

/** One counter to charge with a failure, and the limit that locks it. */
export interface Charge {
  key: string;
  limit: number;
}

/** What a failure did to one counter, with the lock's remaining milliseconds. */
export interface ChargeResult {
  state: 'counted' | 'locked' | 'locked-now';
  remainingMs: number;
}

/** Timings of the rules in milliseconds, as both counter stores apply them. */
export interface Rules {
  windowMs: number;
  lockoutMs: number;
  maxLockoutMs: number;
}

/**
 * Where counters live: Redis (shared by every instance) or this process's memory. Both apply
 * the same rules; `now` is milliseconds since the epoch.
 */
export interface CounterStore {
  /** Milliseconds each key stays locked (0: not locked), and whether the first key has failures counted. */
  inspect(keys: string[], now: number): Promise<{ remainingMs: number[]; failing: boolean }>;
  charge(charges: Charge[], now: number): Promise<ChargeResult[]>;
  clear(key: string): Promise<void>;
}
