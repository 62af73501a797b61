import { describe, expect, it } from '@jest/globals';
import { DEFAULT_FRESH_MS, freshnessMs, MAX_FRESH_MS, MIN_FRESH_MS } from '../../../src/verifier/cache-control.js';

describe('how long a JWKS answer stays fresh', () => {
  it('is max-age seconds, whatever the other directives and spacing', () => {
    expect(freshnessMs('public, max-age=600')).toBe(600_000);
    expect(freshnessMs('max-age=120,public')).toBe(120_000);
    expect(freshnessMs('Public,  MAX-AGE=30 ,must-revalidate')).toBe(30_000);
    expect(freshnessMs('max-age="45"')).toBe(45_000);
  });

  it('subtracts the Age a shared cache reports', () => {
    expect(freshnessMs('public, max-age=600', '100')).toBe(500_000);
    expect(freshnessMs('public, max-age=600', 'junk')).toBe(600_000);
  });

  it('never drops below a second, so max-age=0 or no-cache cannot turn every verify into a fetch', () => {
    expect(freshnessMs('public, max-age=0')).toBe(MIN_FRESH_MS);
    expect(freshnessMs('no-cache')).toBe(MIN_FRESH_MS);
    expect(freshnessMs('no-store, max-age=600')).toBe(MIN_FRESH_MS);
    expect(freshnessMs('max-age=10', '60')).toBe(MIN_FRESH_MS);
  });

  it('never exceeds a day, and falls back to a minute when the issuer says nothing usable', () => {
    expect(freshnessMs('max-age=31536000')).toBe(MAX_FRESH_MS);
    expect(freshnessMs(null)).toBe(DEFAULT_FRESH_MS);
    expect(freshnessMs('public')).toBe(DEFAULT_FRESH_MS);
    expect(freshnessMs('max-age=-5')).toBe(DEFAULT_FRESH_MS);
    expect(freshnessMs('max-age=ten')).toBe(DEFAULT_FRESH_MS);
  });
});
