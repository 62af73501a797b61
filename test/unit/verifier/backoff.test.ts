import { describe, expect, it } from '@jest/globals';
import { backoffDelay, pause } from '../../../src/verifier/backoff.js';

describe('reconnection backoff', () => {
  it('doubles from the base, with jitter between half and all of the step', () => {
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 30_000, () => 0.5)).toBe(6000);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    for (const attempt of [5, 10, 100, 10_000]) expect(backoffDelay(attempt, 1000, 30_000, () => 1)).toBe(30_000);
  });

  it('spreads a fleet of reconnecting clients apart', () => {
    const delays = new Set(Array.from({ length: 50 }, () => Math.round(backoffDelay(4, 1000, 30_000))));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('a pause ends early when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await pause(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
