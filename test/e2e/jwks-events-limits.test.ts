import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type RunningServer } from '../helpers/server.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { dropDatabase } from '../helpers/database.js';

describe('/jwks/events cannot be exhausted by one client', () => {
  const mongodbUri = uniqueMongoUri('eventlimits');
  let server: RunningServer;
  const open: AbortController[] = [];

  beforeAll(async () => {
    server = await startServer({ mongodbUri, kek: newKek(), config: { http: { trustProxy: 1 }, events: { maxConnectionsPerIp: 2, maxConnections: 4, allowedOrigins: ['https://console.example.com'] } } });
  }, 30_000);

  afterAll(async () => {
    for (const controller of open) controller.abort();
    await server?.stop();
    await dropDatabase(mongodbUri);
  });

  const responses: Response[] = [];
  const listen = async (ip: string, headers: Record<string, string> = {}): Promise<Response> => {
    const controller = new AbortController();
    open.push(controller);
    const res = await fetch(`${server.url}/jwks/events`, { signal: controller.signal, headers: { accept: 'text/event-stream', 'x-forwarded-for': ip, ...headers } });
    responses.push(res);
    return res;
  };

  it('one address gets events.maxConnectionsPerIp streams, then 429 with Retry-After; another address still gets one', async () => {
    expect((await listen('198.51.100.1')).status).toBe(200);
    expect((await listen('198.51.100.1')).status).toBe(200);
    const refused = await listen('198.51.100.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toBe('too_many_requests');
    expect((await listen('198.51.100.2')).status).toBe(200);
  });

  it('past events.maxConnections a newcomer takes the oldest stream of the address holding the most; once every address holds one, 429', async () => {
    const [oldest] = responses;
    expect((await listen('198.51.100.3')).status).toBe(200);
    expect((await listen('198.51.100.4')).status).toBe(200);
    await expect(oldest!.text()).resolves.toContain('event: jwks');
    const full = await listen('198.51.100.5');
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBeTruthy();
    expect(((await full.json()) as { error_description: string }).error_description).toMatch(/events\.maxConnections/);
  });

  it('a closed stream frees its slot', async () => {
    open.splice(1, 1)[0]!.abort();
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      const res = await listen('198.51.100.1');
      status = res.status;
      if (status !== 200) await res.body?.cancel();
    }
    expect(status).toBe(200);
  });

  it('a browser origin not in events.allowedOrigins is refused; a listed one gets CORS for itself only', async () => {
    for (const controller of open.splice(0)) controller.abort();
    await sleep(200);
    const foreign = await listen('198.51.100.9', { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const allowed = await listen('198.51.100.10', { origin: 'https://console.example.com' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
  });

  it('HEAD answers with the stream headers at once and holds no slot', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/jwks/events`, { method: 'HEAD', headers: { 'x-forwarded-for': '198.51.100.20' }, signal: AbortSignal.timeout(2000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    }
    expect((await listen('198.51.100.20')).status).toBe(200);
  });
});

describe('/jwks/events for many, not for one', () => {
  const mongodbUri = uniqueMongoUri('eventmany');
  let server: RunningServer;
  const controllers: AbortController[] = [];

  beforeAll(async () => {
    server = await startServer({ mongodbUri, kek: newKek(), config: { http: { trustProxy: 1 }, events: { maxConnectionsPerIp: 500, maxConnections: 500, heartbeat: '1s', idleTimeout: '3s' } } });
  }, 30_000);

  afterAll(async () => {
    for (const controller of controllers) controller.abort();
    await server?.stop();
    await dropDatabase(mongodbUri);
  });

  const listen = (ip: string): Promise<Response> => {
    const controller = new AbortController();
    controllers.push(controller);
    return fetch(`${server.url}/jwks/events`, { signal: controller.signal, headers: { accept: 'text/event-stream', 'x-forwarded-for': ip } });
  };

  it('500 streams from one address do not keep a second address out: its oldest stream makes room', async () => {
    const first: Response[] = [];
    for (let i = 0; i < 500; i += 50) first.push(...await Promise.all(Array.from({ length: 50 }, () => listen('203.0.113.1'))));
    expect(first.every((res) => res.status === 200)).toBe(true);
    const second = await listen('203.0.113.2');
    expect(second.status).toBe(200);
    await expect(first[0]!.text()).resolves.toContain('event: jwks');
    for (const controller of controllers.splice(0)) controller.abort();
  }, 60_000);

  it('a stream without an event for events.idleTimeout is closed, after keep-alives', async () => {
    const res = await listen('203.0.113.3');
    expect(res.status).toBe(200);
    const started = Date.now();
    const body = await res.text();
    expect(Date.now() - started).toBeGreaterThan(2500);
    expect(body).toContain(': keep-alive');
  }, 15_000);
});
