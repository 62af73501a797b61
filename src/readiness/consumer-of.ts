import type { IncomingMessage } from 'node:http';

const PRINTABLE = /^[\x20-\x7E]{1,100}$/;

/** Who fetched `/jwks`, and from where. */
export interface Consumer {
  /** The `Rotor-Consumer` name, else `<User-Agent> @ <address>`. */
  name: string;
  /** Whether the name is the `Rotor-Consumer` header (self-declared) rather than made up by Rotor. */
  named: boolean;
  /** The client's address (at most 64 characters): what the per-address cap counts by. */
  address: string;
}

/** The address of the client, or of the first untrusted hop of `X-Forwarded-For` when proxies are trusted. */
function addressOf(req: IncomingMessage, proxyHops: number): string {
  const socket = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.)/, '');
  if (proxyHops === 0) return socket;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((hop) => hop.trim()).filter(Boolean);
  return hops.at(-Math.min(proxyHops, hops.length)) ?? socket;
}

/**
 * Who fetched `/jwks`, for rotation readiness: the `Rotor-Consumer` header `rotor/verifier`
 * sends (printable, at most 100 characters), else `<User-Agent> @ <address>`.
 */
export function consumerOf(req: IncomingMessage, proxyHops: number): Consumer {
  const address = addressOf(req, proxyHops).replace(/[^\x20-\x7E]/g, '?').slice(0, 64);
  const named = req.headers['rotor-consumer'];
  if (typeof named === 'string' && PRINTABLE.test(named)) return { name: named, named: true, address };
  const agent = req.headers['user-agent'];
  const shown = typeof agent === 'string' && agent !== '' ? agent.replace(/[^\x20-\x7E]/g, '?').slice(0, 100) : 'unknown';
  return { name: `${shown} @ ${address}`, named: false, address };
}
