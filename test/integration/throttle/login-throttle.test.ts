import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createThrottle } from '../../../src/throttle/index.js';
import { createLoginThrottle, lockedMessage } from '../../../src/provider/login-throttle.js';
import type { AuditInput } from '../../../src/audit/chain.js';
import { redisUrl } from '../../helpers/engines.js';
import { LIMITS } from './throttle-rules.js';

const prefix = `rotor_t_login_${randomBytes(4).toString('hex')}`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await new Promise((ready) => redis.once('ready', ready));
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('the sign-in form\'s throttle', () => {
  const at = new Date('2030-01-02T03:04:05Z');

  let nextIp = 20;
  // Each test comes from its own address, so the per-IP limit of one never reaches the next.
  function setUp() {
    const home = `198.51.100.${nextIp++}`;
    const audit: AuditInput[] = [];
    const checked: string[] = [];
    const login = createLoginThrottle({ throttle: createThrottle({ redis, prefix, limits: LIMITS }), onAudit: (event) => audit.push(event), now: () => at });
    const attempt = (username: string, password: string, ip = home) => login.attempt(username, ip, async () => {
      checked.push(password);
      return password === 'right' ? { sub: username } : undefined;
    });
    return { audit, checked, attempt };
  }

  it('answers 401 to a wrong password, then 429 with the wait once the account is locked, and audits the lock-out once', async () => {
    const { audit, attempt } = setUp();
    await expect(attempt('carol', 'wrong1')).resolves.toEqual({ ok: false, status: 401, message: 'Wrong username or password.' });
    await attempt('carol', 'wrong2');
    await expect(attempt('carol', 'wrong3')).resolves.toEqual({ ok: false, status: 429, retryAfter: 2, message: 'Wrong username or password. Too many failed sign-ins. Try again in 2 seconds (at 2030-01-02 03:04:07 UTC).' });
    expect(audit).toEqual([{ actor: 'system:throttle', action: 'login.lockout', target: 'user:carol', outcome: 'refused', detail: { username: 'carol', ip: '198.51.100.20', scope: 'account', retryAfter: 2 } }]);
  });

  it('refuses a locked account before checking its password, even the right one', async () => {
    const { checked, attempt } = setUp();
    for (const password of ['a', 'b', 'c']) await attempt('dave', password);
    await expect(attempt('dave', 'right')).resolves.toMatchObject({ ok: false, status: 429, retryAfter: 2 });
    expect(checked).toEqual(['a', 'b', 'c']);
    await expect(attempt('dave', 'right', '192.0.2.1')).resolves.toEqual({ ok: true, account: { sub: 'dave' } });
  });

  it('a successful sign-in starts the count over', async () => {
    const { attempt } = setUp();
    await attempt('erin', 'x');
    await attempt('erin', 'y');
    await expect(attempt('erin', 'right')).resolves.toMatchObject({ ok: true });
    await expect(attempt('erin', 'z')).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('says when to try again in seconds and in UTC', () => {
    expect(lockedMessage(1, at)).toBe('Too many failed sign-ins. Try again in 1 second (at 2030-01-02 03:04:06 UTC).');
    expect(lockedMessage(3600, at)).toBe('Too many failed sign-ins. Try again in 3600 seconds (at 2030-01-02 04:04:05 UTC).');
  });
});
