import type { RevokedTokenData } from './jwks-events.js';

/**
 * Access tokens the issuer announced as revoked (leaked), by `jti`, each until its `exp` plus the
 * verifier's clock tolerance: they cannot verify after that anyway, so the list never outgrows
 * the tokens still alive.
 */
export class RevokedTokens {
  readonly #until = new Map<string, number>();

  constructor(private readonly now: () => number, private readonly toleranceSec = 0) {}

  add(tokens: readonly RevokedTokenData[]): void {
    const nowSec = this.now() / 1000 - this.toleranceSec;
    for (const [jti, exp] of this.#until) if (exp <= nowSec) this.#until.delete(jti);
    for (const { jti, exp } of tokens) if (exp > nowSec) this.#until.set(jti, exp);
  }

  has(jti: unknown): boolean {
    if (typeof jti !== 'string' || this.#until.size === 0) return false;
    const exp = this.#until.get(jti);
    return exp !== undefined && exp > this.now() / 1000 - this.toleranceSec;
  }
}
