import { SetError } from './set-error.js';

/** A readable request body: what Koa's `ctx.req` and an Express `req` both are. */
export interface BodySource extends AsyncIterable<unknown> {
  headers: Record<string, string | string[] | undefined>;
  method?: string | undefined;
  /** A body parser's result, when one ran first (e.g. `express.text({ type: 'application/secevent+jwt' })`). */
  body?: unknown;
}

/**
 * The SET a push request carries: what a body parser already read (a string or Buffer), else
 * the raw body, refused past `maxBytes`. Anything but `Content-Type: application/secevent+jwt`
 * is refused (`invalid_request`).
 */
export async function readSetBody(source: BodySource, parsed: unknown, maxBytes: number): Promise<string> {
  const type = String(source.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/secevent+jwt') throw new SetError('invalid_request', 'Content-Type must be application/secevent+jwt');
  if (typeof parsed === 'string') return parsed.trim();
  if (Buffer.isBuffer(parsed)) return parsed.toString('utf8').trim();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new SetError('invalid_request', `the SET is larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}
