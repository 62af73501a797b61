/** A floor, so `max-age=0` (sent just before a scheduled JWKS change) cannot turn every verify into a fetch. */
export const MIN_FRESH_MS = 1_000;
/** A ceiling, so a misconfigured year-long max-age still lets new keys and removals through daily. */
export const MAX_FRESH_MS = 24 * 3600_000;
/** When the issuer sends no freshness information at all. */
export const DEFAULT_FRESH_MS = 60_000;

/**
 * How many milliseconds a JWKS answer stays fresh: `max-age` (`no-cache` and `no-store` mean
 * zero) minus `Age` (time it already spent in a shared cache), clamped to
 * [{@link MIN_FRESH_MS}, {@link MAX_FRESH_MS}]; {@link DEFAULT_FRESH_MS} when neither is given.
 */
export function freshnessMs(cacheControl: string | null, age: string | null = null): number {
  let seconds: number | undefined;
  for (const part of (cacheControl ?? '').split(',')) {
    const [rawName, rawValue] = part.split('=', 2);
    const name = rawName!.trim().toLowerCase();
    if (name === 'no-cache' || name === 'no-store') {
      seconds = 0;
      break;
    }
    if (name === 'max-age' && rawValue !== undefined) {
      const value = rawValue.trim().replace(/^"(.*)"$/, '$1');
      if (/^\d+$/.test(value)) seconds = Number(value);
    }
  }
  if (seconds === undefined) return DEFAULT_FRESH_MS;
  const aged = /^\d+$/.test(age?.trim() ?? '') ? Number(age) : 0;
  return Math.min(MAX_FRESH_MS, Math.max(MIN_FRESH_MS, (seconds - aged) * 1000));
}
