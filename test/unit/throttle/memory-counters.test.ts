import { describe, expect, it } from '@jest/globals';
import { memoryCounters } from '../../../src/throttle/memory-counters.js';

const RULES = { windowMs: 10_000, lockoutMs: 2_000, maxLockoutMs: 5_000 };
const DAY = 86_400_000;

describe('in-memory counters (the fallback while Redis is down)', () => {
  it('never hold more than their cap, however many keys are tried', async () => {
    const counters = memoryCounters(RULES, 100);
    const now = 1_700_000_000_000;
    for (let i = 0; i < 1000; i++) await counters.charge([{ key: `k${i}`, limit: 5 }], now);
    expect(counters.size()).toBeLessThanOrEqual(100);
  });

  it('when full, drop unlocked counters before locked ones', async () => {
    const counters = memoryCounters(RULES, 10);
    const now = 1_700_000_000_000;
    for (let i = 0; i < 5; i++) await counters.charge([{ key: `locked${i}`, limit: 1 }], now);
    for (let i = 0; i < 100; i++) await counters.charge([{ key: `flood${i}`, limit: 5 }], now);
    await expect(counters.inspect(['locked0', 'locked1', 'locked2', 'locked3', 'locked4'], now)).resolves.toEqual({ remainingMs: [2000, 2000, 2000, 2000, 2000], failing: false });
  });

  it('forget a counter that has nothing left to remember', async () => {
    const counters = memoryCounters(RULES, 10);
    const start = 1_700_000_000_000;
    for (let i = 0; i < 9; i++) await counters.charge([{ key: `old${i}`, limit: 1 }], start);
    // A day and a lock later, the old counters are spent: making room drops them all.
    const later = start + DAY + 10_000;
    for (let i = 0; i < 3; i++) await counters.charge([{ key: `new${i}`, limit: 5 }], later);
    expect(counters.size()).toBe(3);
  });
});
