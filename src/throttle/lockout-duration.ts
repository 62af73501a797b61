import type { Rules } from './types.js';

/** A key's lock-out level is forgotten a day after its last lock-out. */
export const LEVEL_MEMORY_MS = 86_400_000;

/** The lock for the `level`-th lock-out in a row (1 = first): doubling, capped at the maximum. */
export function lockoutDuration(level: number, rules: Rules): number {
  return Math.min(rules.lockoutMs * 2 ** Math.min(level - 1, 40), rules.maxLockoutMs);
}
