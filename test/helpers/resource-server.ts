import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';

/**
 * The strictest resource server: it fetches the JWKS, keeps it exactly as long as
 * `Cache-Control: max-age` allows, and never refetches early, not even for an unknown kid.
 * If rotation is safe, every token still verifies against it for its whole life.
 */
export class CachingResourceServer {
  #jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  #expiresAt = 0;
  fetches = 0;

  constructor(private readonly jwksUrls: string[], private readonly issuer: string, private readonly audience: string) {}

  async #keys(): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (this.#jwks && Date.now() < this.#expiresAt) return this.#jwks;
    const url = this.jwksUrls[this.fetches % this.jwksUrls.length]!;
    const res = await fetch(url);
    const maxAge = /max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '');
    if (!res.ok || !maxAge) throw new Error(`bad JWKS answer from ${url}: ${res.status} ${res.headers.get('cache-control')}`);
    this.fetches++;
    this.#jwks = createLocalJWKSet((await res.json()) as JSONWebKeySet);
    this.#expiresAt = Date.now() + Number(maxAge[1]) * 1000;
    return this.#jwks;
  }

  async verify(token: string): Promise<void> {
    await jwtVerify(token, await this.#keys(), { issuer: this.issuer, audience: this.audience, typ: 'at+jwt' });
  }
}
