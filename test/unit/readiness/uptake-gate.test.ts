import { describe, expect, it } from '@jest/globals';
import type { KeyRecord } from '../../../src/keys/catalog.js';
import { promotion } from '../../../src/keys/uptake.js';
import type { ConsumerRecord } from '../../../src/readiness/readiness-store.js';
import { readUptakeGate } from '../../../src/readiness/uptake-gate.js';
import { at, key } from '../../helpers/hand-made-keys.js';

const old = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
const due = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });

/** A consumer whose last fetch held `kids`; `named` when it sent Rotor-Consumer. */
const seen = (consumer: string, named: boolean, kids: string[]): ConsumerRecord => ({ consumer, named, lastSeen: 0, version: 1, kids });

/** What becomes of the due key at t=100 with these consumers seen. */
async function decide(records: () => Promise<ConsumerRecord[]>, pending: KeyRecord = due) {
  const gate = await readUptakeGate(records, 50)();
  return promotion(pending, old, at(100), gate).type;
}

describe('which consumers hold activation back', () => {
  it('a consumer that named itself with Rotor-Consumer holds a due key until it fetches it', async () => {
    expect(await decide(async () => [seen('orders-api', true, [old.kid])])).toBe('delay');
    expect(await decide(async () => [seen('orders-api', true, [old.kid, due.kid])])).toBe('promote');
  });

  it('a User-Agent @ address consumer never does, however stale: anyone can fetch /jwks once', async () => {
    const records = [seen('orders-api', true, [old.kid, due.kid]), seen('curl/8.5 @ 203.0.113.9', false, [old.kid])];
    expect(await decide(async () => records)).toBe('promote');
    const gate = await readUptakeGate(async () => records, 50)();
    expect(gate.consumers).toEqual([[old.kid, due.kid]]);
  });

  it('while the consumers cannot be read, a due key waits as if one consumer held nothing', async () => {
    expect(await decide(() => Promise.reject(new Error('Redis is down')))).toBe('delay');
  });
});
