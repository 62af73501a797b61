import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { createAuditLog, type AuditLog } from '../../../src/audit/audit-log.js';
import { kekFromBytes, keyringOf } from '../../../src/keys/seal.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { uniqueMongoUri } from '../../helpers/engines.js';
import { dropDatabase } from '../../helpers/database.js';

const uri = uniqueMongoUri('auditlog');
let store: Store;
let log: AuditLog;

beforeAll(async () => {
  store = await openStore(uri, keyringOf([kekFromBytes(randomBytes(32))]));
  log = createAuditLog(store.audit, store.secrets.auditChain);
}, 15_000);

afterAll(async () => {
  await store?.close();
  await dropDatabase(uri);
});

describe('the audit log on a real engine', () => {
  it('writers racing each other still make one unbroken chain, and it verifies', async () => {
    const other = createAuditLog(store.audit, store.secrets.auditChain);
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? log : other).append({ actor: `client:w${i}`, action: 'test.race', outcome: 'ok' })));
    const events = await log.list(100);
    expect(events.map((event) => event.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await log.verify()).toEqual({ ok: true, checked: 12 });
  });

  it('keeps the client a person acted through, covered by the hash', async () => {
    const event = await log.append({ actor: 'user:sam', client: 'console', action: 'keys.rotate', outcome: 'ok' });
    expect((await log.list(1))[0]).toMatchObject({ seq: event.seq, actor: 'user:sam', client: 'console' });
    const connection = await mongoose.createConnection(uri).asPromise();
    await connection.db!.collection<{ _id: number }>('audit_events').updateOne({ _id: event.seq }, { $set: { client: 'another' } });
    await connection.close();
    expect(await log.verify()).toMatchObject({ ok: false, firstBad: { seq: event.seq } });
  });
});
