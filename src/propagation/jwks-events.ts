import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { PUBLISHED_STATES, type Catalog } from '../keys/catalog.js';

const MAX_LISTENERS = 10_000;
const HEARTBEAT_MS = 15_000;

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
  readonly #heartbeat: NodeJS.Timeout;

  constructor(private readonly current: () => Catalog | undefined) {
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
      if (this.#listeners.size >= MAX_LISTENERS) {
        ctx.status = 503;
        ctx.set('Retry-After', '30');
        ctx.body = { error: 'temporarily_unavailable', error_description: 'too many event listeners on this instance' };
        return;
      }
      const res = ctx.res;
      ctx.respond = false;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'Access-Control-Allow-Origin': '*',
      });
      res.write('retry: 1000\n\n');
      const catalog = this.current();
      if (catalog) res.write(this.#frame(catalog, undefined));
      this.#listeners.add(res);
      ctx.req.socket.setTimeout(0);
      const forget = (): void => { this.#listeners.delete(res); };
      res.once('close', forget);
      ctx.req.once('close', forget);
    };
  }

  /** Ends every stream (shutdown), so clients reconnect to another instance. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#listeners) res.end();
    this.#listeners.clear();
  }

  #frame(catalog: Catalog, previous: Catalog | undefined): string {
    return `id: ${catalog.version}\nevent: jwks\ndata: ${JSON.stringify(jwksEvent(catalog, previous))}\n\n`;
  }

  #write(chunk: string): void {
    for (const res of this.#listeners) res.write(chunk);
  }
}
