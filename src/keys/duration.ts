const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration such as `"30s"`, `"5m"`, `"12h"`, `"30d"` (or a number of seconds) into
 * seconds. Returns `undefined` for anything else (and for anything past {@link MAX_DURATION}), so callers can name the offending key.
 */
/** The longest duration any setting may take: ten years, far past any sane lifetime. */
export const MAX_DURATION = 10 * 365 * 86400;

export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= MAX_DURATION ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[match[2]!]!;
  return seconds <= MAX_DURATION ? seconds : undefined;
}

/** Formats seconds back into the shortest exact unit, for messages. */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNITS[unit]!;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
