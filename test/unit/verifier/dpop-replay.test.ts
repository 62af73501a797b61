import { describe, expect, it } from '@jest/globals';
import { memoryReplayStore } from '../../../src/verifier/index.js';

describe('the in-memory DPoP replay store', () => {
  it('a jti is first seen once, and again only after its time to live', async () => {
    let clock = 0;
    const store = memoryReplayStore({ now: () => clock });
    expect(await store.firstSeen('a', 60)).toBe(true);
    expect(await store.firstSeen('a', 60)).toBe(false);
    expect(await store.firstSeen('b', 60)).toBe(true);
    clock = 59_999;
    expect(await store.firstSeen('a', 60)).toBe(false);
    clock = 60_000;
    expect(await store.firstSeen('a', 60)).toBe(true);
  });

  it('expired entries are dropped as new ones come in, so a steady trickle does not grow it', async () => {
    let clock = 0;
    const store = memoryReplayStore({ now: () => clock });
    for (let i = 0; i < 1000; i++) {
      expect(await store.firstSeen(`jti-${i}`, 10)).toBe(true);
      clock += 1_000;
    }
    expect(store.size).toBeLessThanOrEqual(11);
  });

  it('a flood is capped at maxEntries, forgetting the oldest first', async () => {
    const store = memoryReplayStore({ maxEntries: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) await store.firstSeen(`jti-${i}`, 60);
    expect(store.size).toBe(100);
    expect(await store.firstSeen('jti-999', 60)).toBe(false);
    expect(await store.firstSeen('jti-900', 60)).toBe(false);
    expect(await store.firstSeen('jti-0', 60)).toBe(true);
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => memoryReplayStore({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => memoryReplayStore({ maxEntries: 1.5 })).toThrow(TypeError);
  });
});
