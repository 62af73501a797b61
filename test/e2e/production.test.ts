import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerExpectingExit, startServer, type RunningServer } from '../helpers/server.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { dropDatabase } from '../helpers/database.js';

const kekFile = (mode: number): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'rotor-kek-')), 'kek');
  writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode });
  return file;
};

describe('production refuses what is only safe on a laptop', () => {
  const mongodbUri = uniqueMongoUri('production');
  const running: RunningServer[] = [];
  const goodKek = kekFile(0o600);
  const production = (env: Record<string, string>) => ({ mongodbUri, kek: '', env: { NODE_ENV: 'production', METRICS_PORT: '0', ...env } });

  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()));
    await dropDatabase(mongodbUri);
  });

  it('never creates a KEK on the fly: start-up fails in one line naming KEK and KEK_FILE', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'rotor-kek-')), 'kek');
    const { code, stderr } = await runServerExpectingExit(production({ KEK_FILE: missing }));
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/KEK_FILE/);
    expect(stderr).toMatch(/\bKEK\b/);
  });

  it('refuses a KEK file that group or others can read', async () => {
    const { code, stderr } = await runServerExpectingExit(production({ KEK_FILE: kekFile(0o644) }));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/readable by group or others.*chmod 600/);
  });

  it('refuses an http: issuer that is not loopback, unless http.allowInsecureIssuer says so', async () => {
    const refused = await runServerExpectingExit({ ...production({ KEK_FILE: kekFile(0o600) }), issuer: 'http://auth.example.com' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/ISSUER: an http: issuer .* is refused in production/);
    const allowed = await startServer({ ...production({ KEK_FILE: goodKek }), issuer: 'http://auth.example.com', config: { http: { allowInsecureIssuer: true } } });
    running.push(allowed);
    expect((await fetch(`${allowed.url}/healthz`)).status).toBe(200);
  });

  it('serves /metrics on METRICS_PORT, bound to loopback, and not on the public port', async () => {
    const server = await startServer(production({ KEK_FILE: goodKek }));
    running.push(server);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const port = /"metricsPort":(\d+)/.exec(server.output())?.[1];
    expect(port).toBeDefined();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/rotor_/);
  });
});

describe('client IPs behind proxies', () => {
  const mongodbUri = uniqueMongoUri('proxyhops');
  const kek = newKek();
  const running: RunningServer[] = [];

  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()));
    await dropDatabase(mongodbUri);
  });

  /** The IP the admin API's audit records for a refused (unauthenticated) call. */
  const auditedIp = async (server: RunningServer, forwardedFor: string): Promise<string | undefined> => {
    await fetch(`${server.url}/admin/keys`, { headers: { 'x-forwarded-for': forwardedFor } });
    const ips = [...server.output().matchAll(/"ip":"([^"]+)"/g)].map((match) => match[1]);
    return ips.at(-1)?.replace(/^::ffff:/, '');
  };

  it.each([
    [false, '127.0.0.1'],
    [1, '10.0.0.2'],
    [2, '10.0.0.1'],
  ])('with http.trustProxy %s only that many hops of X-Forwarded-For are trusted', async (trustProxy, expected) => {
    const server = await startServer({ mongodbUri, kek, config: { http: { trustProxy } } });
    running.push(server);
    expect(await auditedIp(server, '6.6.6.6, 10.0.0.1, 10.0.0.2')).toBe(expected);
    await server.stop();
  });
});
