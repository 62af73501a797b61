import { backoffDelay, pause } from './backoff.js';
import { parseJwksEvent, parseRevokedTokensEvent, type JwksEventData, type RevokedTokenData } from './jwks-events.js';
import type { VerifierLogger } from './logger.js';
import { Outage } from './outage.js';
import { SseParser } from './sse-parser.js';

/** Settings of a {@link JwksEventStream}. */
export interface JwksEventStreamOptions {
  eventsUri: string;
  fetch: typeof globalThis.fetch;
  logger: VerifierLogger;
  onEvent(data: JwksEventData): void;
  /** Access tokens the issuer revoked (`revoked-tokens` events). */
  onRevokedTokens?(tokens: RevokedTokenData[]): void;
  /** First reconnection delay, unless the server sends `retry:` (default 1 s). */
  baseDelayMs?: number;
  /** Longest reconnection delay (default 30 s). */
  maxDelayMs?: number;
  /** A connection that sends nothing, not even a keep-alive, for this long is dropped (default 45 s). */
  idleTimeoutMs?: number;
}

/**
 * Listens to `/jwks/events` with `fetch` (Node 20 has no `EventSource`), reconnecting with
 * exponential backoff and jitter. A connection that goes quiet for longer than the keep-alive
 * interval is treated as dead, so a half-open socket cannot silence revocations.
 */
export class JwksEventStream {
  readonly #closed = new AbortController();
  readonly #outage: Outage;
  #running: Promise<void> | undefined;

  constructor(private readonly options: JwksEventStreamOptions) {
    this.#outage = new Outage(options.logger, 'the JWKS event stream is');
  }

  /** Connects and keeps connecting until {@link close}. */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Ends the stream and every timer; resolves once the loop has stopped. */
  async close(): Promise<void> {
    this.#closed.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { baseDelayMs = 1_000, maxDelayMs = 30_000, eventsUri } = this.options;
    let attempt = 0;
    let base = baseDelayMs;
    while (!this.#closed.signal.aborted) {
      const parser = new SseParser();
      let delivered = false;
      try {
        await this.#connect(parser, () => { delivered = true; });
      } catch (err) {
        if (!this.#closed.signal.aborted) this.#outage.failed(err, { eventsUri });
      }
      if (parser.retryMs !== undefined) base = Math.max(parser.retryMs, 100);
      if (delivered) attempt = 0; // the connection worked: start the backoff over
      await pause(backoffDelay(attempt++, base, maxDelayMs), this.#closed.signal);
    }
  }

  /** One connection, read until it ends; always ends by throwing why. */
  async #connect(parser: SseParser, onDelivered: () => void): Promise<never> {
    const { eventsUri, idleTimeoutMs = 45_000 } = this.options;
    const connection = new AbortController();
    const stop = (): void => connection.abort(new Error('closed'));
    this.#closed.signal.addEventListener('abort', stop, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => connection.abort(new Error(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
      idle.unref();
    };
    let delivered = false;
    try {
      arm();
      const res = await this.options.fetch(eventsUri, { headers: { accept: 'text/event-stream' }, signal: connection.signal });
      if (res.status !== 200 || !res.body || !/^text\/event-stream/i.test(res.headers.get('content-type') ?? '')) {
        await res.body?.cancel();
        throw new Error(`the event stream answered ${res.status} ${res.headers.get('content-type') ?? ''}`.trim());
      }
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        arm();
        for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (event.event === 'revoked-tokens') {
            const tokens = parseRevokedTokensEvent(event.data);
            if (tokens) this.options.onRevokedTokens?.(tokens);
            else this.options.logger.warn('ignoring a malformed revoked-tokens event', { data: event.data.slice(0, 200) });
            continue;
          }
          if (event.event !== 'jwks') continue;
          const data = parseJwksEvent(event.data);
          if (!data) {
            this.options.logger.warn('ignoring a malformed jwks event', { data: event.data.slice(0, 200) });
            continue;
          }
          if (!delivered) {
            delivered = true;
            onDelivered();
            this.#outage.recovered({ eventsUri });
          }
          this.options.onEvent(data);
        }
      }
      throw new Error('the event stream ended');
    } catch (err) {
      throw connection.signal.reason instanceof Error ? connection.signal.reason : err;
    } finally {
      clearTimeout(idle);
      this.#closed.signal.removeEventListener('abort', stop);
    }
  }
}
