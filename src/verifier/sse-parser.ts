/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** `message` when the stream named none. */
  event: string;
  data: string;
  id: string | undefined;
}

/** A stream may not hold more than this in one unfinished event (a misbehaving server is cut off). */
export const MAX_EVENT_CHARS = 1 << 20;

/**
 * An incremental parser for the `text/event-stream` format (WHATWG HTML, "Server-sent events"):
 * lines end with CRLF, LF or CR; a blank line dispatches; lines starting with `:` are comments
 * (keep-alives); fields are `event`, `data` (joined with LF), `id` and `retry`.
 */
export class SseParser {
  /** The last `retry:` the server asked for, in milliseconds. */
  retryMs: number | undefined;
  #buffer = '';
  #afterCr = false;
  #event = '';
  #data: string[] = [];
  #dataChars = 0;
  #id: string | undefined;

  /** Feeds decoded text; returns the events it completed. Throws if one event grows too large. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    // A CR that ended the previous chunk may be the first half of a CRLF.
    const chunk = this.#afterCr && text.startsWith('\n') ? text.slice(1) : text;
    this.#afterCr = false;
    const from = this.#buffer.length; // what was carried over holds no line break: scan only the new text
    const buffer = this.#buffer + chunk;
    let start = 0;
    for (let i = from; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      this.#line(buffer.slice(start, i), out);
      if (ch === 13) {
        if (i + 1 === buffer.length) this.#afterCr = true;
        else if (buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.#buffer = buffer.slice(start);
    if (this.#buffer.length + this.#dataChars > MAX_EVENT_CHARS) {
      throw new Error(`an event-stream event exceeds ${MAX_EVENT_CHARS} characters`);
    }
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) out.push({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id });
      this.#event = '';
      this.#data = [];
      this.#dataChars = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const raw = colon < 0 ? '' : line.slice(colon + 1);
    const value = raw.startsWith(' ') ? raw.slice(1) : raw;
    if (field === 'event') this.#event = value;
    else if (field === 'data') {
      this.#data.push(value);
      this.#dataChars += value.length + 1;
    } else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}
