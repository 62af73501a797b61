import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { startServer, freePort, writeConfig, type RunningServer } from '../helpers/server.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { tokenRequest } from '../helpers/browser.js';
import { dropDatabase } from '../helpers/database.js';

const SECRET = 'client-secret-0123456789-abcdefghij';
const ALL_ADMIN = 'admin:keys admin:emergency admin:audit';

interface AnchorLine { seq: number; hash: string; at: string; sig: string }
interface StoredEvent { _id: number; seq: number; action: string; reason?: string; hash: string }

const anchorLines = (file: string): AnchorLine[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as AnchorLine) : []);

/**
 * One deployment of two instances, each with its own anchor file: `web` (ROTOR_ROLE=web: no jobs,
 * so every line in its file comes from an emergency operation it carried out) and `worker`
 * (every role, anchoring on the schedule every second).
 */
describe('the audit log against its anchors', () => {
  const mongodbUri = uniqueMongoUri('anchorse2e');
  const kek = newKek();
  const dir = mkdtempSync(join(tmpdir(), 'rotor-anchors-e2e-'));
  const webFile = join(dir, 'web', 'anchors.jsonl');
  const workerFile = join(dir, 'worker', 'anchors.jsonl');
  const base = { keys: { algorithms: ['ES256'] }, login: { maxFailuresPerIp: 5, maxFailures: 3, window: '1m', lockout: '1m' } };
  const webConfig = { ...base, audit: { anchorFile: webFile } };
  const cliEnv = { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: writeConfig(webConfig) };
  let web: RunningServer;
  let worker: RunningServer;
  let raw: Connection;

  beforeAll(async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    web = await startServer({ mongodbUri, kek, issuer, port, config: webConfig, env: { ROTOR_ROLE: 'web' } });
    worker = await startServer({ mongodbUri, kek, issuer, config: { ...base, audit: { anchorFile: workerFile, anchorInterval: '1s' } } });
    await cliJson(['clients', 'add', '--client-id', 'security', '--client-secret', SECRET, '--scope', ALL_ADMIN], cliEnv);
    raw = await mongoose.createConnection(mongodbUri).asPromise();
  }, 60_000);

  afterAll(async () => {
    await raw?.close();
    await Promise.all([web, worker].map((server) => server?.stop()));
    await dropDatabase(mongodbUri);
  });

  const events = () => raw.db!.collection<StoredEvent>('audit_events');
  const token = async (): Promise<string> => {
    const { status, body } = await tokenRequest(web.url, { grant_type: 'client_credentials', scope: ALL_ADMIN }, ['security', SECRET]);
    if (status !== 200) throw new Error(`token: ${JSON.stringify(body)}`);
    return body.access_token as string;
  };
  const admin = async (method: string, path: string, bearer?: string, body?: unknown) => {
    const res = await fetch(`${web.url}/admin${path}`, { method, headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const waitFor = async <T>(what: string, probe: () => T | undefined, ms = 8000): Promise<T> => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) {
      const found = probe();
      if (found !== undefined) return found;
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('the repeatable job anchors the moved head every audit.anchorInterval, to the anchor file (0600) and the JSON log', async () => {
    const head = (await events().find({}).sort({ _id: -1 }).limit(1).toArray())[0]!;
    const first = await waitFor('a scheduled anchor of the head', () => anchorLines(workerFile).find((line) => line.seq === head.seq));
    expect(first.hash).toBe(head.hash);
    expect(statSync(workerFile).mode & 0o777).toBe(0o600);
    // the log line is written before the file's, but reaches this process through a pipe
    await waitFor('the anchor in the JSON log', () => (new RegExp(`audit anchor .*"sig":"${first.sig}"`).test(worker.output()) ? true : undefined));
    const lines = anchorLines(workerFile).length;
    await sleep(2500);
    expect(anchorLines(workerFile)).toHaveLength(lines);
    await admin('GET', '/keys', await token());
    const moved = await waitFor('an anchor of the moved head', () => anchorLines(workerFile).find((line) => line.seq > first.seq));
    expect(moved.seq).toBeGreaterThan(first.seq);
  });

  it('an emergency rollover on a web instance is anchored there before the response', async () => {
    const bearer = await token();
    const before = anchorLines(webFile).length;
    const res = await admin('POST', '/keys/rollover', bearer, { reason: 'anchored before acknowledged' });
    const lines = anchorLines(webFile);
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(before + 1);
    const rollover = (await events().findOne({ action: 'keys.rollover', reason: 'anchored before acknowledged' }))!;
    const anchor = lines.at(-1)!;
    expect(anchor.seq).toBeGreaterThanOrEqual(rollover.seq);
    expect((await events().findOne({ _id: anchor.seq }))!.hash).toBe(anchor.hash);
    expect(web.output()).toContain(anchor.sig);
  });

  it('GET /admin/audit/verify and rotor audit verify --anchors FILE hold the chain to the newest anchor', async () => {
    const bearer = await token();
    const api = await admin('GET', '/audit/verify', bearer);
    expect(api.body).toMatchObject({ ok: true, anchor: { seq: anchorLines(webFile).at(-1)!.seq, ok: true } });
    const cli = await cliJson<Record<string, unknown>>(['audit', 'verify', '--anchors', workerFile], cliEnv);
    expect(cli).toMatchObject({ ok: true, anchor: { seq: expect.any(Number), ok: true } });
    const forged = join(dir, 'forged.jsonl');
    copyFileSync(webFile, forged);
    appendFileSync(forged, `${JSON.stringify({ ...anchorLines(webFile).at(-1)!, seq: 100000 })}\n`);
    const refused = await runCli(['audit', 'verify', '--anchors', forged], cliEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^rotor: audit log broken: line \d+ of .*forged\.jsonl is an anchor whose signature does not verify/);
    const missing = await runCli(['audit', 'verify', '--anchors', join(dir, 'none.jsonl')], cliEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^rotor: cannot read the anchor file .*none\.jsonl \(ENOENT\)$/);
  });

  it('a flood of anonymous requests adds no chained event and gets 429 past the limit, while a real rollover still lands', async () => {
    const bearer = await token();
    const before = await events().countDocuments();
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => admin('POST', '/keys/rollover', i % 2 ? 'not.a.token' : undefined, { reason: 'flood' })));
    const statuses = flood.map((res) => res.status);
    // login.maxFailuresPerIp: 5, counted atomically in Redis however many arrive at once.
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(35);
    expect(Number(flood.find((res) => res.status === 429)!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await events().countDocuments()).toBe(before);

    const rollover = await admin('POST', '/keys/rollover', bearer, { reason: 'real rollover under a flood' });
    expect(rollover.status).toBe(200);
    expect(await events().findOne({ action: 'keys.rollover', reason: 'real rollover under a flood' })).not.toBeNull();
    expect((await admin('GET', '/keys')).status).toBe(429);

    const metrics = await (await fetch(`${web.url}/metrics`)).text();
    const counted = (result: string): number => Number(new RegExp(`^rotor_admin_unauthenticated_total\\{result="${result}"\\} (\\d+)`, 'm').exec(metrics)?.[1]);
    expect(counted('refused')).toBe(statuses.filter((status) => status === 401).length);
    expect(counted('throttled')).toBe(36);
    expect(web.output()).toMatch(/admin request unauthenticated/);
  });

  it('an edit, a cut-off tail and a deleted log are each found, in the API and the CLI', async () => {
    const bearer = await token();
    const target = (await events().findOne({ action: 'keys.rollover', reason: 'anchored before acknowledged' }))!;
    await events().updateOne({ _id: target._id }, { $set: { reason: 'routine' } });
    const edited = await admin('GET', '/audit/verify', bearer);
    expect(edited.body).toMatchObject({ ok: false, firstBad: { seq: target.seq }, anchor: { ok: true } });
    await events().updateOne({ _id: target._id }, { $set: { reason: 'anchored before acknowledged' } });

    const anchor = anchorLines(webFile).at(-1)!;
    await events().deleteMany({ _id: { $gte: anchor.seq - 1 } });
    const cut = await admin('GET', '/audit/verify', bearer);
    expect(cut.body).toMatchObject({ ok: false, anchor: { seq: anchor.seq, ok: false }, problem: expect.stringMatching(/deleted from its end/) });
    const cutCli = await runCli(['audit', 'verify'], cliEnv);
    expect(cutCli.code).toBe(1);
    expect(cutCli.stderr).toMatch(/^rotor: audit log broken: /);

    await events().deleteMany({});
    const gone = await runCli(['audit', 'verify', '--json'], cliEnv);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({ ok: false, checked: 0, anchor: { seq: anchor.seq, ok: false }, problem: expect.stringMatching(/empty.*every event was deleted/) });
    expect((await admin('GET', '/audit/verify', bearer)).body).toMatchObject({ ok: false, checked: 0 });
  });
});
