import { timingSafeEqual } from 'node:crypto';
import { readSetBody, type BodySource } from './read-set-body.js';
import { SetError } from './set-error.js';
import { setHandler, type SetHandler, type SetReceiverOptions } from './set-handler.js';

/** Options of {@link ssfPushReceiver}. */
export interface PushReceiverOptions extends SetReceiverOptions {
  /**
   * The exact `Authorization` header the transmitter must send (the stream's
   * `delivery.authorization_header`); any other value is refused with 401. Default: none required,
   * but set it: without it, anyone who reaches the endpoint can post (or replay) signed SETs.
   */
  authorization?: string;
  /** Largest SET accepted, in bytes (default 64 KiB). */
  maxBytes?: number;
}

/** One answer of the push endpoint. */
interface Answer {
  status: number;
  body?: { err: string; description: string };
  retryAfterSec?: number;
}

interface ResponseSink {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

interface KoaContext {
  req: BodySource;
  request?: { body?: unknown };
  status: number;
  body: unknown;
  set(field: string, value: string): void;
}

/** Compares the `Authorization` header in constant time; anything passes when none is configured. */
function authorizationCheck(configured: string | undefined): (header: unknown) => boolean {
  if (configured === undefined) return () => true;
  const expected = Buffer.from(configured);
  return (header) => {
    const given = Buffer.from(typeof header === 'string' ? header : '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/** The answer to one push request (RFC 8935 §2.2–2.4). */
async function answerPush(handler: SetHandler, authorized: (header: unknown) => boolean, maxBytes: number, source: BodySource, parsed: unknown): Promise<Answer> {
  if (source.method !== 'POST') return { status: 405 };
  if (!authorized(source.headers.authorization)) return { status: 401, body: { err: 'authentication_failed', description: 'the Authorization header is missing or wrong' } };
  try {
    await handler.handle(await readSetBody(source, parsed, maxBytes));
    return { status: 202 };
  } catch (err) {
    if (!(err instanceof SetError)) {
      handler.logger.warn('a security event could not be handled; the transmitter will retry', { error: err instanceof Error ? err.message : String(err) });
      return { status: 500 };
    }
    if (err.retryAfterSec !== undefined) return { status: 503, retryAfterSec: err.retryAfterSec };
    handler.logger.warn('refused a security event', { err: err.err, description: err.description });
    return { status: 400, body: { err: err.err, description: err.description } };
  }
}

/**
 * The push endpoint of an SSF receiver (RFC 8935), as middleware for Koa (`router.post('/ssf',
 * receiver)`) and for Express or plain `node:http` (`app.post('/ssf', receiver)`), told apart by
 * their arguments. Each SET is verified and applied to the verifier; the answer is 202, or 400
 * `{ err, description }` with an RFC 8935 code (not applied); 503 with `Retry-After` while the
 * issuer's keys cannot be fetched, or while the JWKS cooldown holds back a new kid; 500 when
 * `onEvent` throws (the transmitter retries). `receiver.close()` stops a verifier the receiver
 * made itself.
 */
export function ssfPushReceiver(options: PushReceiverOptions) {
  const handler = setHandler(options, 'ssfPushReceiver');
  const authorized = authorizationCheck(options.authorization);
  const maxBytes = options.maxBytes ?? 65_536;
  const answer = (source: BodySource, parsed: unknown): Promise<Answer> => answerPush(handler, authorized, maxBytes, source, parsed);

  const viaKoa = async (ctx: KoaContext): Promise<void> => {
    const { status, body, retryAfterSec } = await answer(ctx.req, ctx.request?.body ?? ctx.req.body);
    ctx.status = status;
    if (status === 405) ctx.set('Allow', 'POST');
    if (retryAfterSec) ctx.set('Retry-After', String(retryAfterSec));
    ctx.body = body ?? '';
  };

  const viaNode = async (req: BodySource, res: ResponseSink): Promise<void> => {
    const { status, body, retryAfterSec } = await answer(req, req.body);
    res.statusCode = status;
    if (status === 405) res.setHeader('Allow', 'POST');
    if (retryAfterSec) res.setHeader('Retry-After', String(retryAfterSec));
    if (!body) return void res.end();
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body));
  };

  function receiver(ctx: KoaContext, next?: () => Promise<unknown>): Promise<void>;
  function receiver(req: BodySource, res: ResponseSink, next?: (err?: unknown) => void): void;
  function receiver(first: KoaContext | BodySource, second?: unknown, third?: unknown): Promise<void> | void {
    if (typeof second === 'object' && second !== null && 'setHeader' in second) {
      viaNode(first as BodySource, second as ResponseSink).catch((err: unknown) => (typeof third === 'function' ? third(err) : undefined));
      return;
    }
    return viaKoa(first as KoaContext);
  }
  return Object.assign(receiver, { close: (): Promise<void> => handler.close() });
}

/** What {@link ssfPushReceiver} returns: Koa and Express middleware with a `close()`. */
export type PushReceiver = ReturnType<typeof ssfPushReceiver>;
