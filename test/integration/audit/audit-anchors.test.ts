import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import winston from 'winston';
import { createAuditLog, type AuditLog } from '../../../src/audit/audit-log.js';
import { createAnchorer, type Anchorer } from '../../../src/audit/anchorer.js';
import { readAnchors } from '../../../src/audit/anchor-file.js';
import { GENESIS, legacyHash } from '../../../src/audit/chain.js';
import { kekFromBytes, keyringOf } from '../../../src/keys/seal.js';
import type { Logger } from '../../../src/logging/create-logger.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { uniqueMongoUri } from '../../helpers/engines.js';
import { dropDatabase } from '../../helpers/database.js';

const uri = uniqueMongoUri('anchors');
let store: Store;
let raw: Connection;
let log: AuditLog;
let anchorer: Anchorer;
let file: string;
let logged: Array<Record<string, unknown>>;

/** A JSON logger whose lines are kept, as a SIEM would receive them. */
function keptLogger(): Logger {
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  return winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
}

const events = () => raw.db!.collection<{ _id: number; reason?: string; hash: string }>('audit_events');
const verify = async (anchorFile = file) => log.verify(await readAnchors(anchorFile, store.secrets.auditAnchors));
const appendSome = async (count: number): Promise<void> => {
  for (let i = 0; i < count; i++) await log.append({ actor: 'client:ops', action: 'test.event', reason: `event ${i}`, outcome: 'ok' });
};

const keyring = keyringOf([kekFromBytes(randomBytes(32))]);

beforeAll(async () => {
  store = await openStore(uri, keyring);
  raw = await mongoose.createConnection(uri).asPromise();
}, 15_000);

beforeEach(async () => {
  await events().deleteMany({});
  log = createAuditLog(store.audit, store.secrets.auditChain);
  file = join(mkdtempSync(join(tmpdir(), 'rotor-anchors-')), 'nested', 'anchors.jsonl');
  logged = [];
  anchorer = createAnchorer({ head: () => log.head(), key: store.secrets.auditAnchors, file, logger: keptLogger(), now: () => new Date() });
});

afterAll(async () => {
  await raw?.close();
  await store?.close();
  await dropDatabase(uri);
});

describe('audit anchors', () => {
  it('an anchor is one signed JSON line in a 0600 file, also in the JSON log; an unmoved head is not anchored again', async () => {
    await appendSome(3);
    const anchor = await anchorer.anchor('test');
    const head = await log.head();
    expect(anchor).toMatchObject({ seq: 3, hash: head!.hash });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([{ seq: 3, hash: head!.hash, at: anchor!.at, sig: anchor!.sig }]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(logged).toContainEqual(expect.objectContaining({ message: 'audit anchor', seq: 3, hash: head!.hash, at: anchor!.at, sig: anchor!.sig }));
    expect(await anchorer.anchor('test')).toBeUndefined();
    await appendSome(1);
    expect(await anchorer.anchor('test')).toMatchObject({ seq: 4 });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('an intact chain verifies against its newest anchor', async () => {
    await appendSome(3);
    await anchorer.anchor('test');
    await appendSome(2);
    expect(await verify()).toEqual({ ok: true, checked: 5, anchor: { seq: 3, ok: true } });
  });

  it('a tail cut off the chain is found against the anchor', async () => {
    await appendSome(5);
    await anchorer.anchor('test');
    await events().deleteMany({ _id: { $gte: 4 } });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, checked: 3, anchor: { seq: 5, ok: false } });
    expect(result.problem).toMatch(/chain ends at event 3, but the anchor of .* vouches for events up to 5: events were deleted from its end/);
    expect(result.firstBad).toBeUndefined();
  });

  it('a chain deleted whole is found: not "0 checked, ok"', async () => {
    await appendSome(2);
    await anchorer.anchor('test');
    await events().deleteMany({});
    expect(await verify()).toMatchObject({ ok: false, checked: 0, anchor: { seq: 2, ok: false }, problem: expect.stringMatching(/audit log is empty, but .* every event was deleted/) });
  });

  it('a chain cut back and regrown to the anchor\'s length is found by the hash at the anchor', async () => {
    await appendSome(3);
    await anchorer.anchor('test');
    await events().deleteMany({ _id: 3 });
    await log.append({ actor: 'client:ops', action: 'test.event', reason: 'a different third event', outcome: 'ok' });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, checked: 3, anchor: { seq: 3, ok: false } });
    expect(result.problem).toMatch(/event 3 does not have the hash the anchor .* recorded for it/);
  });

  it('an edited event is named in firstBad, the anchor still holding', async () => {
    await appendSome(4);
    await anchorer.anchor('test');
    await events().updateOne({ _id: 2 }, { $set: { reason: 'routine' } });
    expect(await verify()).toMatchObject({ ok: false, checked: 4, firstBad: { seq: 2, problem: expect.stringMatching(/^hash does not match/) }, anchor: { seq: 4, ok: true }, problem: expect.stringMatching(/^event 2: hash does not match/) });
  });

  it('a line whose signature does not verify is a problem; the newest good anchor is still used', async () => {
    await appendSome(2);
    const good = await anchorer.anchor('test');
    appendFileSync(file, `${JSON.stringify({ ...good, seq: 9, sig: Buffer.alloc(32).toString('base64url') })}\nnot json\n`);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, checked: 2, anchor: { seq: 2, ok: true } });
    expect(result.problem).toMatch(/line 2 of .* signature does not verify.*; line 3 of .* is not an anchor/);
  });

  it('anchors signed under another deployment\'s key do not count', async () => {
    await appendSome(2);
    await anchorer.anchor('test');
    const other = await openStore(uniqueMongoUri('anchors2'), keyringOf([kekFromBytes(randomBytes(32))]));
    try {
      expect((await readAnchors(file, other.secrets.auditAnchors)).newest).toBeUndefined();
    } finally {
      await other.connection.dropDatabase();
      await other.close();
    }
  });

  it('an anchor file named but missing is an error; the configured one missing is no anchor', async () => {
    await expect(readAnchors(join(tmpdir(), 'no-such-dir', 'anchors.jsonl'), store.secrets.auditAnchors, true)).rejects.toThrow(/cannot read the anchor file .* \(ENOENT\)/);
    expect(await readAnchors(join(tmpdir(), 'no-such-dir', 'anchors.jsonl'), store.secrets.auditAnchors)).toEqual({ file: join(tmpdir(), 'no-such-dir', 'anchors.jsonl'), problems: [] });
  });
});

describe('appending on a real engine', () => {
  it('two instances appending at once (two connections, 60 events each) make one gap-free chain', async () => {
    const second = await openStore(uri, keyring);
    try {
      const other = createAuditLog(second.audit, store.secrets.auditChain);
      await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 ? log : other).append({ actor: `system:w${i % 2}`, action: 'test.race', outcome: 'ok', detail: { i } })));
      const stored = await events().find({}).sort({ _id: 1 }).toArray();
      expect(stored.map((event) => event._id)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(await log.verify()).toEqual({ ok: true, checked: 120 });
    } finally {
      await second.close();
    }
  });

  it('a reason with a lone UTF-16 surrogate is stored and hashed alike, so the chain stays verifiable', async () => {
    await log.append({ actor: 'client:ops', action: 'keys.rotate', reason: 'x \ud800 y', outcome: 'refused' });
    await appendSome(1);
    expect((await events().findOne({ _id: 1 }))!.reason).toBe('x \ufffd y');
    expect(await log.verify()).toEqual({ ok: true, checked: 2 });
  });

  it('a log an older version wrote unkeyed is sealed by one keyed event, and then verifies', async () => {
    let prevHash = GENESIS;
    for (let seq = 1; seq <= 3; seq++) {
      const base = { seq, at: new Date(), actor: 'system:reconciler', action: 'keys.create', outcome: 'ok' as const, prevHash };
      prevHash = legacyHash(base);
      await events().insertOne({ _id: seq, ...base, hash: prevHash });
    }
    expect(await log.verify()).toMatchObject({ ok: false, firstBad: { seq: 3, problem: expect.stringMatching(/newest event is not keyed/) } });
    expect(await log.sealUnkeyed('system:startup')).toMatchObject({ seq: 4, action: 'audit.chain.keyed', scheme: 'hmac-sha256', detail: { sealedUpTo: 3 } });
    expect(await log.sealUnkeyed('system:startup')).toBeUndefined();
    expect(await log.verify()).toEqual({ ok: true, checked: 4 });
  });
});
