import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { PUBLISHED_STATES, type Catalog } from '../keys/catalog.js';
import type { RevokedToken } from './catalog-channel.js';

/** A reader this far behind (bytes waiting in its socket's buffer) has stopped reading: dropped. */
const MAX_BACKLOG = 64 * 1024;

/** How many listeners an instance keeps, from whom, and for how long (`events.*` settings). */
export interface ListenerLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  allowedOrigins: readonly string[];
  /** Seconds between keep-alive comments. */
  heartbeat: number;
  /** Seconds without an event after which a stream is closed. */
  idleTimeout: number;
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

/** A `revoked-tokens` event (CONTRACT.md `/jwks/events`): reported access tokens, refused until `exp`. */
const revokedTokensFrame = (revokedTokens: readonly RevokedToken[]): string =>
  `event: revoked-tokens\ndata: ${JSON.stringify({ revokedTokens: revokedTokens.map(({ jti, exp }) => ({ jti, exp })) })}\n\n`;

interface Listener {
  res: ServerResponse;
  ip: string;
  /** When the stream last carried an event (not a keep-alive). */
  lastEvent: number;
}

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
};

/**
 * `GET /jwks/events`: Server-Sent Events to resource servers. Each listener gets the current
 * state on connect, then one `jwks` event per catalog version this instance swaps in, and a
 * `revoked-tokens` event for access tokens reported as leaked (sent on connect too until they expire).
 *
 * Many listeners, none able to starve the others: an address holds at most
 * `maxConnectionsPerIp` streams; when the instance holds `maxConnections`, a newcomer takes the
 * oldest stream of the address holding the most, if that address holds more than the newcomer's
 * would (otherwise 429). Streams idle for `idleTimeout`, and readers that stopped reading, are
 * closed; an EventSource reconnects by itself and gets the current state.
 */
export class JwksEvents {
  // Per address, its streams oldest first; every stream is in exactly one list.
  readonly #byIp = new Map<string, Listener[]>();
  // Reported access tokens by jti, until their exp (seconds): sent to every new listener too.
  readonly #revokedTokens = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly current: () => Catalog | undefined, private readonly limits: ListenerLimits, private readonly clock: () => number = Date.now) {
    this.#timer = setInterval(() => this.#keepAlive(), limits.heartbeat * 1000);
    this.#timer.unref();
  }

  get size(): number {
    let size = 0;
    for (const list of this.#byIp.values()) size += list.length;
    return size;
  }

  /** Sends the change from `previous` to `catalog` to every listener. */
  broadcast(catalog: Catalog, previous: Catalog | undefined): void {
    const frame = this.#frame(catalog, previous);
    const at = this.clock();
    for (const listener of this.#all()) {
      listener.lastEvent = at;
      this.#write(listener, frame);
    }
  }

  /**
   * Sends reported access tokens (those not already sent) to every listener as a
   * `revoked-tokens` event, and to each new listener until they expire.
   */
  revokeTokens(tokens: readonly RevokedToken[]): void {
    const nowSec = this.clock() / 1000;
    for (const [jti, exp] of this.#revokedTokens) if (exp <= nowSec) this.#revokedTokens.delete(jti);
    const fresh = tokens.filter((token) => token.exp > nowSec && !this.#revokedTokens.has(token.jti));
    if (fresh.length === 0) return;
    for (const token of fresh) this.#revokedTokens.set(token.jti, token.exp);
    const frame = revokedTokensFrame(fresh);
    const at = this.clock();
    for (const listener of this.#all()) {
      listener.lastEvent = at;
      this.#write(listener, frame);
    }
  }

  route() {
    return (ctx: Context): void => {
      const origin = ctx.get('Origin');
      if (origin && !this.limits.allowedOrigins.includes(origin)) {
        ctx.status = 403;
        ctx.body = { error: 'access_denied', error_description: `the origin ${origin.slice(0, 200)} may not listen to key events (events.allowedOrigins)` };
        return;
      }
      const cors: Record<string, string> = origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
      if (ctx.method === 'HEAD') {
        ctx.set({ ...STREAM_HEADERS, ...cors });
        ctx.status = 200;
        return;
      }
      const ip = ctx.ip;
      const refusal = this.#admit(ip);
      if (refusal) {
        ctx.status = 429;
        ctx.set('Retry-After', '30');
        ctx.body = { error: 'too_many_requests', error_description: refusal };
        return;
      }
      const res = ctx.res;
      ctx.respond = false;
      res.writeHead(200, { ...STREAM_HEADERS, Connection: 'keep-alive', ...cors });
      res.write('retry: 1000\n\n');
      const catalog = this.current();
      if (catalog) res.write(this.#frame(catalog, undefined));
      const nowSec = this.clock() / 1000;
      const revoked = [...this.#revokedTokens].filter(([, exp]) => exp > nowSec).map(([jti, exp]) => ({ jti, exp }));
      if (revoked.length > 0) res.write(revokedTokensFrame(revoked));
      const listener: Listener = { res, ip, lastEvent: this.clock() };
      const list = this.#byIp.get(ip) ?? [];
      list.push(listener);
      this.#byIp.set(ip, list);
      ctx.req.socket.setTimeout(0);
      const forget = (): void => this.#forget(listener);
      res.once('close', forget);
      ctx.req.once('close', forget);
    };
  }

  /** Ends every stream (shutdown), so clients reconnect to another instance. */
  close(): void {
    clearInterval(this.#timer);
    for (const listener of [...this.#all()]) listener.res.end();
    this.#byIp.clear();
  }

  /** Makes room for a stream from `ip`, or says why there is none. */
  #admit(ip: string): string | undefined {
    const fromIp = this.#byIp.get(ip)?.length ?? 0;
    if (fromIp >= this.limits.maxConnectionsPerIp) return `at most ${this.limits.maxConnectionsPerIp} event streams per client address (events.maxConnectionsPerIp)`;
    if (this.size < this.limits.maxConnections) return undefined;
    let heaviest: Listener[] | undefined;
    for (const list of this.#byIp.values()) if (!heaviest || list.length > heaviest.length) heaviest = list;
    if (!heaviest || heaviest.length <= fromIp + 1) return 'this instance holds as many event streams as it may (events.maxConnections); another instance may have room';
    const oldest = heaviest[0]!;
    this.#forget(oldest);
    oldest.res.end();
    return undefined;
  }

  #forget(listener: Listener): void {
    const list = this.#byIp.get(listener.ip);
    const at = list?.indexOf(listener) ?? -1;
    if (!list || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.#byIp.delete(listener.ip);
  }

  #keepAlive(): void {
    const idleSince = this.clock() - this.limits.idleTimeout * 1000;
    for (const listener of [...this.#all()]) {
      if (listener.lastEvent <= idleSince) {
        this.#forget(listener);
        listener.res.end();
      } else {
        this.#write(listener, ': keep-alive\n\n');
      }
    }
  }

  *#all(): Iterable<Listener> {
    for (const list of this.#byIp.values()) yield* list;
  }

  #frame(catalog: Catalog, previous: Catalog | undefined): string {
    return `id: ${catalog.version}\nevent: jwks\ndata: ${JSON.stringify(jwksEvent(catalog, previous))}\n\n`;
  }

  #write(listener: Listener, chunk: string): void {
    if (listener.res.writableLength > MAX_BACKLOG) {
      this.#forget(listener);
      listener.res.destroy();
      return;
    }
    listener.res.write(chunk);
  }
}
