import { backoffDelay, pause } from './backoff.js';
import { Outage } from './outage.js';
import { SetError } from './set-error.js';
import { setHandler, type SetHandler, type SetReceiverOptions } from './set-handler.js';

/** Options of {@link ssfPollReceiver}. */
export interface PollReceiverOptions extends SetReceiverOptions {
  /** The stream's poll endpoint: `<issuer>/ssf/poll/<stream_id>`. */
  endpoint: string;
  /** A bearer token for the endpoint (audience `<issuer>/ssf`, scope `ssf:manage`), or a function that returns a current one. */
  token: string | (() => string | Promise<string>);
  /** SETs asked for per request (default 100). */
  maxEvents?: number;
  /** Pause between polls when nothing more is available (default 1 000 ms). */
  intervalMs?: number;
}

/** What one {@link PollReceiver.poll} did. */
export interface PollResult {
  /** SETs verified and applied for the first time. */
  applied: number;
  /** SETs seen before (acknowledged again, not applied). */
  duplicates: number;
  /** SETs refused (reported back in `setErrs`). */
  refused: number;
  /** The transmitter holds more. */
  moreAvailable: boolean;
}

/** An RFC 8936 poll client. */
export interface PollReceiver {
  /** One request: acknowledges what the previous one applied, then applies what comes back. */
  poll(): Promise<PollResult>;
  /** Polls until {@link close}, backing off while the transmitter fails. */
  start(): void;
  /** Stops polling, sends the acknowledgements still owed, and stops a verifier made for it. */
  close(): Promise<void>;
}

type SetErrs = Record<string, { err: string; description: string }>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

class SsfPoller implements PollReceiver {
  readonly #closed = new AbortController();
  readonly #outage: Outage;
  readonly #token: () => string | Promise<string>;
  #acks: string[] = [];
  #setErrs: SetErrs = {};
  #running: Promise<void> | undefined;

  constructor(private readonly handler: SetHandler, private readonly options: PollReceiverOptions) {
    this.#outage = new Outage(handler.logger, 'the SSF poll endpoint is');
    const { token } = options;
    this.#token = typeof token === 'function' ? token : () => token;
  }

  /** One POST carrying the acks and errors owed; they are dropped once the transmitter answered 200. */
  async #request(maxEvents: number, signal: AbortSignal): Promise<{ sets: Record<string, unknown>; moreAvailable: boolean }> {
    const acks = this.#acks;
    const setErrs = this.#setErrs;
    const body = JSON.stringify({ maxEvents, returnImmediately: true, ack: acks, ...(Object.keys(setErrs).length > 0 ? { setErrs } : {}) });
    const res = await this.handler.fetch(this.options.endpoint, {
      method: 'POST', body, signal,
      headers: { authorization: `Bearer ${await this.#token()}`, 'content-type': 'application/json', accept: 'application/json' },
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`the poll endpoint answered ${res.status}`);
    }
    const answer: unknown = await res.json();
    if (!isRecord(answer) || !isRecord(answer.sets)) throw new Error('the poll endpoint did not answer { sets }');
    this.#acks = this.#acks.filter((jti) => !acks.includes(jti));
    this.#setErrs = Object.fromEntries(Object.entries(this.#setErrs).filter(([jti]) => !(jti in setErrs)));
    return { sets: answer.sets, moreAvailable: answer.moreAvailable === true };
  }

  async poll(): Promise<PollResult> {
    const signal = AbortSignal.any([this.#closed.signal, AbortSignal.timeout(30_000)]);
    const { sets, moreAvailable } = await this.#request(this.options.maxEvents ?? 100, signal);
    const result: PollResult = { applied: 0, duplicates: 0, refused: 0, moreAvailable };
    for (const [jti, set] of Object.entries(sets)) {
      try {
        if (typeof set !== 'string') throw new SetError('invalid_request', 'the SET is not a string');
        result[(await this.handler.handle(set)) === 'applied' ? 'applied' : 'duplicates']++;
        this.#acks.push(jti);
      } catch (err) {
        if (!(err instanceof SetError)) throw err;
        // Keys unreachable, or a new kid held back by the cooldown: neither acked nor refused, so it comes again.
        if (err.retryAfterSec !== undefined) continue;
        this.handler.logger.warn('refused a security event', { err: err.err, description: err.description });
        this.#setErrs[jti] = { err: err.err, description: err.description };
        result.refused++;
      }
    }
    return result;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async #run(): Promise<void> {
    const intervalMs = this.options.intervalMs ?? 1_000;
    let attempt = 0;
    while (!this.#closed.signal.aborted) {
      try {
        const { moreAvailable, applied, duplicates, refused } = await this.poll();
        this.#outage.recovered({ endpoint: this.options.endpoint });
        attempt = 0;
        // Straight on only while a poll moves the stream forward: "more" with nothing taken (SETs
        // held back for the key cooldown) would otherwise be a tight loop against the transmitter.
        if (!moreAvailable || applied + duplicates + refused === 0) await pause(intervalMs, this.#closed.signal);
      } catch (err) {
        if (this.#closed.signal.aborted) break;
        this.#outage.failed(err, { endpoint: this.options.endpoint });
        await pause(backoffDelay(attempt++, intervalMs, 30_000), this.#closed.signal);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.#running;
    if (this.#acks.length > 0 || Object.keys(this.#setErrs).length > 0) {
      await this.#request(0, AbortSignal.timeout(10_000)).catch((err: unknown) => this.handler.logger.warn('could not acknowledge the last security events', { error: messageOf(err) }));
    }
    await this.handler.close();
  }
}

/**
 * Fetches SETs from an SSF transmitter's poll endpoint (RFC 8936), verifies and applies each
 * like `ssfPushReceiver`, acknowledges it (`ack`) on the next request, reports refused ones
 * (`setErrs`), and applies a redelivered `jti` only once. A SET whose keys cannot be fetched
 * now is neither acknowledged nor refused: the transmitter sends it again.
 */
export function ssfPollReceiver(options: PollReceiverOptions): PollReceiver {
  if (typeof options.endpoint !== 'string' || !URL.canParse(options.endpoint)) throw new TypeError('ssfPollReceiver: endpoint must be a URL');
  return new SsfPoller(setHandler(options, 'ssfPollReceiver'), options);
}
