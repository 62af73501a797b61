/**
 * The `jti`s of SETs already applied, newest last, at most `limit` of them: a transmitter
 * delivers at least once, so a redelivered SET is acknowledged without being applied again.
 */
export class SeenJtis {
  readonly #seen = new Set<string>();

  constructor(private readonly limit = 10_000) {}

  has(jti: string): boolean {
    return this.#seen.has(jti);
  }

  add(jti: string): void {
    this.#seen.add(jti);
    if (this.#seen.size > this.limit) this.#seen.delete(this.#seen.values().next().value!);
  }
}
