import type { VerifierLogger } from './logger.js';

/**
 * Remembers whether a dependency is down, so an outage is logged once (warn) however many
 * requests run into it, and its end once (info).
 */
export class Outage {
  #since: number | undefined;

  constructor(private readonly logger: VerifierLogger, private readonly what: string, private readonly now: () => number = Date.now) {}

  get down(): boolean {
    return this.#since !== undefined;
  }

  /** Records a failure; warns only on the first one of an outage. */
  failed(err: unknown, meta: Record<string, unknown> = {}): void {
    if (this.#since !== undefined) return;
    this.#since = this.now();
    this.logger.warn(`${this.what} unreachable`, { ...meta, error: err instanceof Error ? err.message : String(err) });
  }

  /** Records a success; reports the end of an outage if there was one. */
  recovered(meta: Record<string, unknown> = {}): void {
    if (this.#since === undefined) return;
    const downForMs = this.now() - this.#since;
    this.#since = undefined;
    this.logger.info?.(`${this.what} reachable again`, { ...meta, downForMs });
  }
}
