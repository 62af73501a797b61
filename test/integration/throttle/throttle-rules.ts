import { expect, it } from '@jest/globals';
import type { Throttle, ThrottleLimits } from '../../../src/throttle/index.js';

/** Limits small enough to reach in a test: 3 per account and IP, 5 per IP, 10 s, 2 s up to 5 s. */
export const LIMITS: ThrottleLimits = { maxFailures: 3, maxFailuresPerIp: 5, window: 10, lockout: 2, maxLockout: 5 };

/** A throttle on a clock the test moves. */
export interface ClockedThrottle {
  throttle: Throttle;
  advance(seconds: number): void;
}

export type MakeThrottle = (limits?: Partial<ThrottleLimits>) => ClockedThrottle;

const alice = (ip = '198.51.100.1') => ({ subject: 'user:alice', ip });

async function failTimes(throttle: Throttle, attempt: { subject: string; ip: string }, times: number) {
  let last;
  for (let i = 0; i < times; i++) last = await throttle.recordFailure(attempt);
  return last!;
}

/**
 * The rules every place counters live must follow (Redis, and memory while Redis is down): one
 * suite, run against each.
 */
export function throttleRules(make: MakeThrottle): void {
  it('an account is locked from one IP once it reaches maxFailures, and only from there', async () => {
    const { throttle } = make();
    await failTimes(throttle, alice(), 2);
    await expect(throttle.check(alice())).resolves.toEqual({ locked: false, retryAfter: 0, failing: true });
    await expect(throttle.recordFailure(alice())).resolves.toEqual({ locked: true, retryAfter: 2, scope: 'subject', failing: true, lockouts: [{ scope: 'subject', retryAfter: 2 }] });
    await expect(throttle.check(alice())).resolves.toEqual({ locked: true, retryAfter: 2, scope: 'subject', failing: false });
    await expect(throttle.check(alice('198.51.100.2'))).resolves.toMatchObject({ locked: false });
    await expect(throttle.check({ subject: 'user:bob', ip: '198.51.100.1' })).resolves.toMatchObject({ locked: false });
  });

  it('the lock ends after lockout, and a failure during it neither counts nor extends it', async () => {
    const { throttle, advance } = make({ maxFailuresPerIp: 1000 });
    await failTimes(throttle, alice(), 3);
    advance(1);
    await expect(throttle.recordFailure(alice())).resolves.toEqual({ locked: true, retryAfter: 1, scope: 'subject', failing: true, lockouts: [] });
    advance(1);
    await expect(throttle.check(alice())).resolves.toMatchObject({ locked: false });
    await expect(throttle.recordFailure(alice())).resolves.toMatchObject({ locked: false });
  });

  it('the window slides: only failures within the last window count', async () => {
    const { throttle, advance } = make();
    await throttle.recordFailure(alice());
    advance(6);
    await throttle.recordFailure(alice());
    advance(5);
    // The first failure is 11 s old now; the second one still counts.
    await expect(throttle.recordFailure(alice())).resolves.toMatchObject({ locked: false });
    await expect(throttle.recordFailure(alice())).resolves.toMatchObject({ locked: true, lockouts: [{ scope: 'subject', retryAfter: 2 }] });
  });

  it('an IP is locked once it reaches maxFailuresPerIp, whatever the accounts, and other IPs are not', async () => {
    const { throttle } = make();
    for (const name of ['a', 'b', 'c', 'd']) await throttle.recordFailure({ subject: `user:${name}`, ip: '203.0.113.9' });
    await expect(throttle.recordFailure({ subject: 'user:e', ip: '203.0.113.9' })).resolves.toEqual({ locked: true, retryAfter: 2, scope: 'ip', failing: true, lockouts: [{ scope: 'ip', retryAfter: 2 }] });
    await expect(throttle.check({ subject: 'user:never-tried', ip: '203.0.113.9' })).resolves.toEqual({ locked: true, retryAfter: 2, scope: 'ip', failing: false });
    await expect(throttle.check({ subject: 'user:a', ip: '203.0.113.10' })).resolves.toMatchObject({ locked: false });
  });

  it('each further lock-out of a key within a day doubles, up to maxLockout; a day later it starts over', async () => {
    const { throttle, advance } = make({ maxFailuresPerIp: 1000 });
    const seen: number[] = [];
    for (let round = 0; round < 4; round++) {
      const { lockouts } = await failTimes(throttle, alice(), 3);
      seen.push(lockouts[0]!.retryAfter);
      advance(lockouts[0]!.retryAfter);
    }
    expect(seen).toEqual([2, 4, 5, 5]);
    advance(86_401);
    await expect(failTimes(throttle, alice(), 3)).resolves.toMatchObject({ lockouts: [{ scope: 'subject', retryAfter: 2 }] });
  });

  it('a success clears the account\'s failures from that IP, but not the IP\'s own count', async () => {
    const { throttle } = make();
    await failTimes(throttle, alice(), 2);
    await throttle.recordSuccess(alice());
    await expect(failTimes(throttle, alice(), 2)).resolves.toMatchObject({ locked: false });
    // Four failures from the IP so far: one more, for anyone, locks it.
    await expect(throttle.recordFailure({ subject: 'user:zed', ip: '198.51.100.1' })).resolves.toMatchObject({ locked: true, scope: 'ip' });
  });

  it('a check tells whether the account has failures counted from that IP: none, then some, then none after a success', async () => {
    const { throttle } = make();
    await expect(throttle.check(alice())).resolves.toMatchObject({ locked: false, failing: false });
    await throttle.recordFailure(alice());
    await expect(throttle.check(alice())).resolves.toMatchObject({ locked: false, failing: true });
    await expect(throttle.check(alice('198.51.100.2'))).resolves.toMatchObject({ failing: false });
    await throttle.recordSuccess(alice());
    await expect(throttle.check(alice())).resolves.toMatchObject({ failing: false });
  });

  it('a success does not lift a lock', async () => {
    const { throttle } = make();
    await failTimes(throttle, alice(), 3);
    await throttle.recordSuccess(alice());
    await expect(throttle.check(alice())).resolves.toMatchObject({ locked: true, scope: 'subject' });
  });

  it('one name typed two ways (NFC and NFD) is one account; absurdly long names are counted too', async () => {
    const { throttle } = make();
    await throttle.recordFailure({ subject: 'user:jos\u00e9', ip: '198.51.100.1' });
    await throttle.recordFailure({ subject: 'user:jose\u0301', ip: '198.51.100.1' });
    await expect(throttle.recordFailure({ subject: 'user:jos\u00e9', ip: '198.51.100.1' })).resolves.toMatchObject({ locked: true, scope: 'subject' });
    const long = { subject: `user:${'\u{1F600}'.repeat(50_000)}`, ip: '198.51.100.3' };
    await failTimes(throttle, long, 3);
    await expect(throttle.check(long)).resolves.toMatchObject({ locked: true, scope: 'subject' });
  });

  it('an IPv6 client is counted by its /64, an IPv4-mapped one as IPv4', async () => {
    const { throttle } = make();
    await throttle.recordFailure({ subject: 'user:a', ip: '2001:db8:1:2::1' });
    await throttle.recordFailure({ subject: 'user:a', ip: '2001:db8:1:2:ffff::9' });
    await throttle.recordFailure({ subject: 'user:a', ip: '2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd' });
    await expect(throttle.check({ subject: 'user:a', ip: '2001:db8:1:2::77' })).resolves.toMatchObject({ locked: true });
    await expect(throttle.check({ subject: 'user:a', ip: '2001:db8:1:3::1' })).resolves.toMatchObject({ locked: false });
    await failTimes(throttle, { subject: 'user:b', ip: '::ffff:192.0.2.4' }, 3);
    await expect(throttle.check({ subject: 'user:b', ip: '192.0.2.4' })).resolves.toMatchObject({ locked: true });
  });
}
