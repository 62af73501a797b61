/**
 * How many consumer names one instance may record for the first time: a token bucket of
 * `perMinute` names, refilled continuously. A flood of made-up names then costs Redis at most a
 * few writes a second per instance, and cannot push out consumers that keep fetching.
 */
export class NewNameBudget {
  #tokens: number;
  #at: number;

  constructor(private readonly perMinute: number, private readonly now: () => number) {
    this.#tokens = perMinute;
    this.#at = now();
  }

  /** Takes one name from the budget; false when it is spent. */
  take(): boolean {
    const at = this.now();
    this.#tokens = Math.min(this.perMinute, this.#tokens + (Math.max(0, at - this.#at) * this.perMinute) / 60_000);
    this.#at = at;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
