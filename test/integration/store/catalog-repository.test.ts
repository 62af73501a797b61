import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { reconcile, type ReconcileResult } from '../../../src/catalog/reconcile.js';
import type { KeyRecord } from '../../../src/keys/catalog.js';
import type { Policy } from '../../../src/keys/policy.js';
import { kekFromBytes, keyringOf } from '../../../src/keys/seal.js';
import { CatalogCorruptError, CatalogRepository } from '../../../src/store/catalog-repository.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { uniqueMongoUri } from '../../helpers/engines.js';
import { dropDatabase } from '../../helpers/database.js';

const uri = uniqueMongoUri('catalog');
const kek = keyringOf([kekFromBytes(randomBytes(32))]);
const POLICY: Policy = { algorithms: ['ES256', 'EdDSA'], rotationInterval: 100, prePublish: 20, overlap: 10 };
const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

let store: Store;

beforeAll(async () => {
  store = await openStore(uri, kek);
}, 15_000);

afterAll(async () => {
  await store?.close();
  await dropDatabase(uri);
});

/** Clears the catalog document so each scenario starts from a fresh deployment. */
async function emptyCatalog(): Promise<CatalogRepository> {
  await store.connection.db!.collection('key_catalog').deleteMany({});
  return store.catalog;
}

function handMadeKey(kid: string): KeyRecord {
  return {
    kid, alg: 'ES256', state: 'active',
    createdAt: at(0), activatesAt: at(0), retiresAt: at(100), removesAt: at(110),
    publicJwk: { kty: 'EC', kid, alg: 'ES256' },
    sealedPrivateJwk: `sealed:${kid}`,
  };
}

describe('compare-and-set on the catalog version', () => {
  it('the first write creates version 1, and a second "first write" loses', async () => {
    const repo = await emptyCatalog();
    await expect(repo.load()).resolves.toBeUndefined();
    await expect(repo.compareAndSet(0, [handMadeKey('first')])).resolves.toEqual({ version: 1, keys: [handMadeKey('first')] });
    await expect(repo.compareAndSet(0, [handMadeKey('second')])).resolves.toBeUndefined();
    await expect(repo.load()).resolves.toEqual({ version: 1, keys: [handMadeKey('first')] });
  });

  it('each write moves the version up by one', async () => {
    const repo = await emptyCatalog();
    await repo.compareAndSet(0, [handMadeKey('a')]);
    await expect(repo.compareAndSet(1, [handMadeKey('b')])).resolves.toMatchObject({ version: 2 });
    await expect(repo.compareAndSet(2, [handMadeKey('c')])).resolves.toMatchObject({ version: 3 });
    await expect(repo.version()).resolves.toBe(3);
  });

  it('a write from a stale version loses and leaves the stored catalog as it was', async () => {
    const repo = await emptyCatalog();
    await repo.compareAndSet(0, [handMadeKey('a')]);
    await repo.compareAndSet(1, [handMadeKey('b')]);
    await expect(repo.compareAndSet(1, [handMadeKey('stale')])).resolves.toBeUndefined();
    await expect(repo.load()).resolves.toEqual({ version: 2, keys: [handMadeKey('b')] });
  });

  it('a write from a version that was never stored is refused', async () => {
    const repo = await emptyCatalog();
    await repo.compareAndSet(0, [handMadeKey('a')]);
    await expect(repo.compareAndSet(5, [handMadeKey('future')])).resolves.toBeUndefined();
    await expect(repo.load()).resolves.toEqual({ version: 1, keys: [handMadeKey('a')] });
  });

  it('of twenty writers racing from the same version, exactly one wins, every time', async () => {
    const repo = await emptyCatalog();
    await repo.compareAndSet(0, [handMadeKey('start')]);
    for (let version = 1; version <= 5; version++) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => repo.compareAndSet(version, [handMadeKey(`v${version}-writer${i}`)])));
      const winners = results.flatMap((written) => (written ? [written.keys[0]!.kid] : []));
      expect([version, winners.length]).toEqual([version, 1]);
      await expect(repo.load()).resolves.toEqual({ version: version + 1, keys: [handMadeKey(winners[0]!)] });
    }
  });

  it('superseded versions keep no keys, so a destroyed private part really leaves the database', async () => {
    const repo = await emptyCatalog();
    await repo.compareAndSet(0, [handMadeKey('a')]);
    await repo.compareAndSet(1, [handMadeKey('b')]);
    await repo.compareAndSet(2, [{ ...handMadeKey('b'), state: 'retired', sealedPrivateJwk: null }]);
    const docs = await store.connection.db!.collection('key_catalog').find({}).sort({ version: 1 }).toArray();
    expect(docs.map((doc) => [doc.version, doc.keys.length])).toEqual([[1, 0], [2, 0], [3, 1]]);
    expect(JSON.stringify(docs)).not.toContain('sealed:');
  });

  it('a catalog edited by hand into an invalid state is refused on load, naming where', async () => {
    const repo = await emptyCatalog();
    await repo.compareAndSet(0, [handMadeKey('a')]);
    await store.connection.db!.collection('key_catalog').updateOne({ version: 1 }, { $set: { 'keys.0.state': 'bogus' } });
    const error = await repo.load().then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(CatalogCorruptError);
    expect((error as CatalogCorruptError).code).toBe('ROTOR_CATALOG_CORRUPT');
    expect((error as Error).message).toContain('keys.0.state');
  });

  it('a catalog document in a format this Rotor does not write is refused on load, not misread', async () => {
    await emptyCatalog();
    await store.connection.db!.collection('key_catalog').insertOne({ _id: 'catalog', version: 1, keys: [] } as never);
    const fresh = new CatalogRepository(store.connection);
    await expect(fresh.load()).rejects.toThrow(/document "catalog" is not a catalog version/);
    await store.connection.db!.collection('key_catalog').deleteMany({});
  });

  it('a catalog holding a private member in a public JWK is refused on load', async () => {
    const repo = await emptyCatalog();
    await repo.compareAndSet(0, [handMadeKey('a')]);
    await store.connection.db!.collection('key_catalog').updateOne({ version: 1 }, { $set: { 'keys.0.publicJwk.d': 'secret' } });
    await expect(repo.load()).rejects.toBeInstanceOf(CatalogCorruptError);
  });
});

/** The real repository, counting the writes it was asked for and how many of them won. */
class CountingRepository extends CatalogRepository {
  attempts = 0;
  wins = 0;

  override async compareAndSet(expected: number, keys: KeyRecord[]) {
    this.attempts++;
    const written = await super.compareAndSet(expected, keys);
    if (written) this.wins++;
    return written;
  }
}

describe('twenty instances reconciling at the same moment', () => {
  let counting: CountingRepository;
  const race = (now: Date): Promise<ReconcileResult[]> => {
    counting = new CountingRepository(store.connection);
    return Promise.all(Array.from({ length: 20 }, () => reconcile(counting, POLICY, kek, () => now)));
  };

  const activeKids = (keys: KeyRecord[], alg: string) => keys.filter((k) => k.alg === alg && k.state === 'active').map((k) => k.kid);

  it('on an empty catalog: exactly one writer wins, leaving one active key per algorithm at version 1', async () => {
    const repo = await emptyCatalog();
    const results = await race(at(0));

    // they really raced: several tried to write, one won
    expect(counting.attempts).toBeGreaterThan(1);
    expect(counting.wins).toBe(1);
    const winners = results.filter((r) => r.transitions.length > 0);
    expect(winners.length).toBe(1);
    expect(winners[0]!.transitions.map((t) => t.type)).toEqual(['create', 'create']);
    const stored = await repo.load();
    // one winning write (0 -> 1); the 19 losers re-read version 1 and find nothing left to do
    expect(stored!.version).toBe(1);
    expect(stored!.keys).toHaveLength(2);
    expect(activeKids(stored!.keys, 'ES256')).toHaveLength(1);
    expect(activeKids(stored!.keys, 'EdDSA')).toHaveLength(1);
    // every instance ends up agreeing on the same catalog
    for (const result of results) expect(result.catalog).toEqual(stored);
  });

  it('when a pending key is due: exactly one promotion', async () => {
    const repo = await emptyCatalog();
    await reconcile(repo, POLICY, kek, () => at(0));
    await reconcile(repo, POLICY, kek, () => at(80));
    const before = (await repo.load())!;
    expect(before.version).toBe(2);
    const pendingKids = before.keys.filter((k) => k.state === 'pending').map((k) => k.kid);
    expect(pendingKids).toHaveLength(2);

    const results = await race(at(100));

    expect(counting.attempts).toBeGreaterThan(1);
    expect(counting.wins).toBe(1);
    const winners = results.filter((r) => r.transitions.length > 0);
    expect(winners.length).toBe(1);
    expect(winners[0]!.transitions.map((t) => t.type).sort()).toEqual(['demote', 'demote', 'promote', 'promote']);
    const after = (await repo.load())!;
    expect(after.version).toBe(3);
    expect(after.keys).toHaveLength(4);
    expect([...activeKids(after.keys, 'ES256'), ...activeKids(after.keys, 'EdDSA')].sort()).toEqual([...pendingKids].sort());
    expect(after.keys.filter((k) => k.state === 'retiring')).toHaveLength(2);
    for (const result of results) expect(result.catalog).toEqual(after);
  });

  it('the private parts in the stored catalog are sealed, never plaintext JWKs', async () => {
    const [raw] = await store.connection.db!.collection('key_catalog').find({}).sort({ version: -1 }).limit(1).toArray();
    const text = JSON.stringify(raw);
    expect(text).not.toMatch(/"d":/);
    expect(raw!.keys.length).toBeGreaterThan(0);
    for (const key of (raw!.keys as { sealedPrivateJwk: string | null }[])) expect(key.sealedPrivateJwk).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
