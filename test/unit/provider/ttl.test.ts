import { describe, expect, it } from '@jest/globals';
import { spentRecordSeconds } from '../../../src/provider/ttl.js';

const DAY = 86400;

describe('how long a spending is remembered', () => {
  it('as long as a single refresh token can live, and a day more: the idle lifetime when it is the shorter', () => {
    expect(spentRecordSeconds({ refreshTokenTTL: 30 * DAY, refreshTokenIdleTTL: 14 * DAY })).toBe(15 * DAY);
  });

  it('the absolute lifetime when it is the shorter', () => {
    expect(spentRecordSeconds({ refreshTokenTTL: 7 * DAY, refreshTokenIdleTTL: 14 * DAY })).toBe(8 * DAY);
  });
});
