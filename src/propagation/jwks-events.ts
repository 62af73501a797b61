import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { PUBLISHED_STATES, type Catalog } from '../keys/catalog.js';

const HEARTBEAT_MS = 15_000;

/** How many listeners an instance keeps, from whom (`events.*` settings). */
export interface ListenerLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  allowedOrigins: readonly string[];
}

/** The payload of a `jwks` event (CONTRACT.md `/jwks/events`). */
export function jwksEvent(catalog: Catalog, previous: Catalog | undefined): { version: number; kids: string[]; revoked: string[] } {
  const wasRevoked = new Set(previous?.keys.filter((key) => key.state === 'revoked').map((key) => key.kid));
  return {
    version: catalog.version,
    kids: catalog.keys.filter((key) => PUBLISHED_STATES.has(key.state)).map((key) => key.kid),
    revoked: previous ? catalog.keys.filter((key) => key.state === 'revoked' && !wasRevoked.has(key.kid)).map((key) => key.kid) : [],
  };
}

/**
 * `GET /jwks/events`: Server-Sent Events to resource servers. Each listener gets the current
 * state on connect, then one `jwks` event per catalog version this instance swaps in.
 */
export class JwksEvents {
  readonly #listeners = new Set<ServerResponse>();
  readonly #perIp = new Map<string, number>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(private readonly current: () => Catalog | undefined, private readonly limits: ListenerLimits) {
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#listeners.size;
  }

  /** Sends the change from `previous` to `catalog` to every listener. */
  broadcast(catalog: Catalog, previous: Catalog | undefined): void {
    this.#write(this.#frame(catalog, previous));
  }

  route() {
    return (ctx: Context): void => {
      const origin = ctx.get('Origin');
      if (origin && !this.limits.allowedOrigins.includes(origin)) {
        ctx.status = 403;
        ctx.body = { error: 'access_denied', error_description: `the origin ${origin.slice(0, 200)} may not listen to key events (events.allowedOrigins)` };
        return;
      }
      const ip = ctx.ip;
      const fromIp = this.#perIp.get(ip) ?? 0;
      if (fromIp >= this.limits.maxConnectionsPerIp || this.#listeners.size >= this.limits.maxConnections) {
        ctx.status = fromIp >= this.limits.maxConnectionsPerIp ? 429 : 503;
        ctx.set('Retry-After', '30');
        ctx.body = ctx.status === 429
          ? { error: 'too_many_requests', error_description: `at most ${this.limits.maxConnectionsPerIp} event streams per client address (events.maxConnectionsPerIp)` }
          : { error: 'temporarily_unavailable', error_description: 'too many event listeners on this instance; another instance may have room' };
        return;
      }
      const res = ctx.res;
      ctx.respond = false;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        ...(origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {}),
      });
      res.write('retry: 1000\n\n');
      const catalog = this.current();
      if (catalog) res.write(this.#frame(catalog, undefined));
      this.#listeners.add(res);
      this.#perIp.set(ip, fromIp + 1);
      ctx.req.socket.setTimeout(0);
      let forgotten = false;
      const forget = (): void => {
        if (forgotten) return;
        forgotten = true;
        this.#listeners.delete(res);
        const left = (this.#perIp.get(ip) ?? 1) - 1;
        if (left > 0) this.#perIp.set(ip, left);
        else this.#perIp.delete(ip);
      };
      res.once('close', forget);
      ctx.req.once('close', forget);
    };
  }

  /** Ends every stream (shutdown), so clients reconnect to another instance. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#listeners) res.end();
    this.#listeners.clear();
    this.#perIp.clear();
  }

  #frame(catalog: Catalog, previous: Catalog | undefined): string {
    return `id: ${catalog.version}\nevent: jwks\ndata: ${JSON.stringify(jwksEvent(catalog, previous))}\n\n`;
  }

  #write(chunk: string): void {
    for (const res of this.#listeners) res.write(chunk);
  }
}
