import { freshnessMs } from './cache-control.js';

/** What one JWKS request brought: a new set, or confirmation that ours is current. */
export type JwksAnswer =
  | { changed: true; keys: unknown[]; etag: string | undefined; ttlMs: number; version: number | undefined }
  | { changed: false; ttlMs: number; version: number | undefined };

/** The catalog version Rotor names in `Rotor-Catalog-Version`, when the answer has a usable one. */
function versionOf(header: string | null): number | undefined {
  if (header === null || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}

const MAX_JWKS_CHARS = 1 << 20;

/** What a JWKS request says of itself: the ETag held (a conditional request), and who asks. */
export interface JwksRequestHeaders {
  etag?: string | undefined;
  /** `Rotor-Consumer`: the resource server's name, for Rotor's rotation readiness. */
  consumer?: string | undefined;
}

/**
 * `GET <jwksUri>`, conditional on `etag` when given. Resolves with a 200's keys or a 304, and the
 * catalog version Rotor names (`Rotor-Catalog-Version`, when the issuer sends one); rejects
 * on anything else (network error, timeout, other status, not a JWK Set) — all of which mean
 * "the issuer is unreachable" to the caller.
 */
export async function fetchJwks(fetch: typeof globalThis.fetch, jwksUri: string, request: JwksRequestHeaders, signal: AbortSignal): Promise<JwksAnswer> {
  const { etag, consumer } = request;
  const headers: Record<string, string> = { accept: 'application/jwk-set+json, application/json' };
  if (etag) headers['if-none-match'] = etag;
  if (consumer) headers['rotor-consumer'] = consumer;
  const res = await fetch(jwksUri, { headers, signal });
  const ttlMs = freshnessMs(res.headers.get('cache-control'), res.headers.get('age'));
  const version = versionOf(res.headers.get('rotor-catalog-version'));
  if (res.status === 304 && etag) {
    await res.body?.cancel();
    return { changed: false, ttlMs, version };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`the JWKS endpoint answered ${res.status}`);
  }
  const text = await res.text();
  if (text.length > MAX_JWKS_CHARS) throw new Error('the JWKS is too large');
  const body = JSON.parse(text) as { keys?: unknown };
  if (typeof body !== 'object' || body === null || !Array.isArray(body.keys)) throw new Error('the JWKS endpoint did not answer a JWK Set');
  return { changed: true, keys: body.keys, etag: res.headers.get('etag') ?? undefined, ttlMs, version };
}
