import { backoffDelay, pause } from './backoff.js';
import { Outage } from './outage.js';
import { SetError } from './set-error.js';
import { setHandler, type SetReceiverOptions } from './set-handler.js';

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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Fetches SETs from an SSF transmitter's poll endpoint (RFC 8936), verifies and applies each
 * like {@link ssfPushReceiver}, acknowledges it (`ack`) on the next request, reports refused
 * ones (`setErrs`), and applies a redelivered `jti` only once. A SET whose keys cannot be
 * fetched now is neither acknowledged nor refused: the transmitter sends it again.
 */
export function ssfPollReceiver(options: PollReceiverOptions): PollReceiver {
  const handler = setHandler(options, 'ssfPollReceiver');
  if (typeof options.endpoint !== 'string' || !URL.canParse(options.endpoint)) throw new TypeError('ssfPollReceiver: endpoint must be a URL');
  const { endpoint, maxEvents = 100, intervalMs = 1_000 } = options;
  const token = typeof options.token === 'function' ? options.token : () => options.token as string;
  const closed = new AbortController();
  const outage = new Outage(handler.logger, 'the SSF poll endpoint is');
  let acks: string[] = [];
  let setErrs: Record<string, { err: string; description: string }> = {};
  let running: Promise<void> | undefined;

  const request = async (max: number, final = false): Promise<{ sets: Record<string, unknown>; moreAvailable: boolean }> => {
    const body = JSON.stringify({ maxEvents: max, returnImmediately: true, ack: acks, ...(Object.keys(setErrs).length > 0 ? { setErrs } : {}) });
    const sent = { acks, setErrs };
    const res = await handler.fetch(endpoint, {
      method: 'POST', body, signal: final ? AbortSignal.timeout(10_000) : AbortSignal.any([closed.signal, AbortSignal.timeout(30_000)]),
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json', accept: 'application/json' },
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`the poll endpoint answered ${res.status}`);
    }
    const answer: unknown = await res.json();
    if (!isRecord(answer) || !isRecord(answer.sets)) throw new Error('the poll endpoint did not answer { sets }');
    // Delivered: drop what this request acknowledged or reported (new ones may have come meanwhile).
    acks = acks.filter((jti) => !sent.acks.includes(jti));
    setErrs = Object.fromEntries(Object.entries(setErrs).filter(([jti]) => !(jti in sent.setErrs)));
    return { sets: answer.sets, moreAvailable: answer.moreAvailable === true };
  };

  const poll = async (): Promise<PollResult> => {
    const { sets, moreAvailable } = await request(maxEvents);
    const result: PollResult = { applied: 0, duplicates: 0, refused: 0, moreAvailable };
    for (const [jti, set] of Object.entries(sets)) {
      try {
        if (typeof set !== 'string') throw new SetError('invalid_request', 'the SET is not a string');
        result[(await handler.handle(set)) === 'applied' ? 'applied' : 'duplicates']++;
        acks.push(jti);
      } catch (err) {
        if (err instanceof SetError && err.retryAfterSec !== undefined) continue;
        if (!(err instanceof SetError)) throw err;
        handler.logger.warn('refused a security event', { err: err.err, description: err.description });
        setErrs[jti] = { err: err.err, description: err.description };
        result.refused++;
      }
    }
    return result;
  };

  const run = async (): Promise<void> => {
    let attempt = 0;
    while (!closed.signal.aborted) {
      try {
        const { moreAvailable } = await poll();
        outage.recovered({ endpoint });
        attempt = 0;
        if (!moreAvailable) await pause(intervalMs, closed.signal);
      } catch (err) {
        if (closed.signal.aborted) break;
        outage.failed(err, { endpoint });
        await pause(backoffDelay(attempt++, intervalMs, 30_000), closed.signal);
      }
    }
  };

  return {
    poll,
    start() {
      running ??= run();
    },
    async close() {
      closed.abort();
      await running;
      if (acks.length > 0 || Object.keys(setErrs).length > 0) {
        await request(0, true).catch((err: unknown) => handler.logger.warn('could not acknowledge the last security events', { error: err instanceof Error ? err.message : String(err) }));
      }
      await handler.close();
    },
  };
}
