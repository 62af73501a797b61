import { SseParser } from '../../src/verifier/sse-parser.js';

/** A Server-Sent Events listener that collects `jwks` events, for tests and benchmarks. */
export class SseListener {
  readonly events: Array<{ at: number; data: { version: number; kids: string[]; revoked: string[] } }> = [];
  readonly #controller = new AbortController();
  #waiters: Array<() => void> = [];

  static async open(url: string): Promise<SseListener> {
    const listener = new SseListener();
    const res = await fetch(url, { signal: listener.#controller.signal, headers: { accept: 'text/event-stream' } });
    if (!res.ok || !res.body) throw new Error(`SSE ${url}: ${res.status}`);
    void listener.#read(res.body);
    return listener;
  }

  /** Reads the stream with the parser `rotor/verifier` uses, so tests hear what resource servers hear. */
  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for await (const chunk of body) {
        for (const { event, data } of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (event !== 'jwks' || !data) continue;
          this.events.push({ at: Date.now(), data: JSON.parse(data) as SseListener['events'][number]['data'] });
          for (const wake of this.#waiters.splice(0)) wake();
        }
      }
    } catch {
      // aborted by close()
    }
  }

  /** Resolves with the first event (already received or to come) that matches. */
  async waitFor(match: (data: SseListener['events'][number]['data']) => boolean, timeoutMs = 5000): Promise<SseListener['events'][number]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((event) => match(event.data));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching SSE event within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.data))}`);
      await new Promise<void>((wake) => {
        this.#waiters.push(wake);
        setTimeout(wake, 100);
      });
    }
  }

  close(): void {
    this.#controller.abort();
  }
}
