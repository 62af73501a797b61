import { describe, expect, it } from '@jest/globals';
import { MAX_EVENT_CHARS, SseParser } from '../../../src/verifier/sse-parser.js';

const frame = '{"version":3,"kids":["a","b"],"revoked":["c"]}';

describe('reading a Server-Sent Events stream', () => {
  it('dispatches an event at the blank line, with its name, data and id', () => {
    const parser = new SseParser();
    expect(parser.push(`id: 3\nevent: jwks\ndata: ${frame}\n`)).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'jwks', data: frame, id: '3' }]);
  });

  it('reassembles events split anywhere across chunks, byte by byte', () => {
    const parser = new SseParser();
    const text = `event: jwks\r\ndata: ${frame}\r\n\r\nevent: jwks\rdata: x\r\r`;
    const events = [...text].flatMap((ch) => parser.push(ch));
    expect(events.map((event) => event.data)).toEqual([frame, 'x']);
  });

  it('treats CRLF, LF and CR as line ends, and a CR at the end of a chunk followed by LF as one', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\ndata: b\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ event: 'message', data: 'a\nb', id: undefined }]);
  });

  it('ignores keep-alive comments and unknown fields, and remembers retry', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\n\nretry: 1000\nfoo: bar\n\n: keep-alive\n\n')).toEqual([]);
    expect(parser.retryMs).toBe(1000);
    expect(parser.push('retry: soon\n\n')).toEqual([]);
    expect(parser.retryMs).toBe(1000);
  });

  it('keeps a space after the colon only when there are two, and accepts a field without a value', () => {
    const parser = new SseParser();
    expect(parser.push('data:  padded\ndata\ndata:tight\n\n')).toEqual([{ event: 'message', data: ' padded\n\ntight', id: undefined }]);
  });

  it('does not dispatch an event without data, and resets the name after each event', () => {
    const parser = new SseParser();
    expect(parser.push('event: jwks\n\ndata: plain\n\n')).toEqual([{ event: 'message', data: 'plain', id: undefined }]);
  });

  it('refuses an event larger than the limit instead of buffering without end', () => {
    const parser = new SseParser();
    expect(() => parser.push(`data: ${'x'.repeat(MAX_EVENT_CHARS)}`)).toThrow(/exceeds/);
    const lines = new SseParser();
    expect(() => { for (let i = 0; i < 20; i++) lines.push(`data: ${'y'.repeat(MAX_EVENT_CHARS / 16)}\n`); }).toThrow(/exceeds/);
  });
});
