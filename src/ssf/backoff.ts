/** The longest wait between two attempts. */
const MAX_DELAY_SECONDS = 3600;

/**
 * The wait before push attempt `attempt + 1` after `attempt` failed: `base` doubled per attempt
 * (capped at an hour), then a random share of it dropped (half to all of it is waited), so
 * receivers coming back are not hit by every stream's retries at once.
 */
export function retryDelayMs(attempt: number, baseSeconds: number, random = Math.random): number {
  const full = Math.min(baseSeconds * 2 ** Math.max(0, attempt - 1), MAX_DELAY_SECONDS) * 1000;
  return Math.round(full / 2 + (full / 2) * random());
}
