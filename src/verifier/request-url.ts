import type { BearerOptions } from './bearer-challenge.js';

/** Options of the Koa and Express middleware. */
export interface MiddlewareOptions extends BearerOptions {
  /**
   * The URL clients reach this server at (origin and any path prefix a proxy strips), for the
   * `htu` of DPoP proofs. Default: the request's protocol and `Host` (Koa honours
   * `X-Forwarded-*` when `app.proxy` is set, Express when `trust proxy` is). Setting it also
   * keeps a forged `Host` from passing off a proof made for another server as one for this one.
   */
  publicUrl?: string;
}

/** The parts of a request its URL is made of, as a framework reports them. */
export interface RequestUrlParts {
  /** `http` or `https`. */
  protocol: string;
  /** The `Host` header: host name and any port. */
  host: string;
  /** The path as received, before any router rewrote it; a query is dropped. */
  path: string;
}

/**
 * How the middleware rebuilds the URL a client addressed, for a DPoP proof's `htu`. By default
 * the request's own protocol and `Host`; `publicUrl` (origin and any path prefix a proxy strips)
 * overrides them for a server behind a proxy that changes scheme, host or path.
 */
export function requestUrlBuilder(publicUrl?: string): (parts: RequestUrlParts) => string {
  const pathOnly = (path: string): string => {
    const end = path.search(/[?#]/);
    return end < 0 ? path : path.slice(0, end);
  };
  if (publicUrl === undefined) return ({ protocol, host, path }) => `${protocol}://${host}${pathOnly(path)}`;
  const url = URL.parse(publicUrl);
  if (!url || !/^https?:$/.test(url.protocol)) throw new TypeError('publicUrl must be an absolute http(s) URL');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return ({ path }) => `${base}${pathOnly(path)}`;
}
