import type { IncomingMessage } from 'node:http';

const PRINTABLE = /^[\x20-\x7E]{1,100}$/;

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
export function consumerOf(req: IncomingMessage, proxyHops: number): string {
  const named = req.headers['rotor-consumer'];
  if (typeof named === 'string' && PRINTABLE.test(named)) return named;
  const agent = req.headers['user-agent'];
  const shown = typeof agent === 'string' && agent !== '' ? agent.replace(/[^\x20-\x7E]/g, '?').slice(0, 100) : 'unknown';
  return `${shown} @ ${addressOf(req, proxyHops).slice(0, 64)}`;
}
