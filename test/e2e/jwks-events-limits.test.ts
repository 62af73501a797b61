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

  const listen = async (ip: string, headers: Record<string, string> = {}): Promise<Response> => {
    const controller = new AbortController();
    open.push(controller);
    return fetch(`${server.url}/jwks/events`, { signal: controller.signal, headers: { accept: 'text/event-stream', 'x-forwarded-for': ip, ...headers } });
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

  it('past events.maxConnections the instance answers 503 whoever asks', async () => {
    expect((await listen('198.51.100.3')).status).toBe(200);
    const full = await listen('198.51.100.4');
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBeTruthy();
  });

  it('a closed stream frees its slot', async () => {
    open.shift()!.abort();
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
});
