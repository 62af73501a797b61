import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { CatalogStore } from '../../src/keys/catalog-store.js';
import type { KeyRecord } from '../../src/keys/catalog.js';
import { generateKey } from '../../src/keys/generate-key.js';
import { kekFromBytes, keyringOf } from '../../src/keys/seal.js';

const kek = keyringOf([kekFromBytes(randomBytes(32))]);
const T0 = new Date('2030-01-01T00:00:00Z');

async function key(state: KeyRecord['state'] = 'active'): Promise<KeyRecord> {
  return generateKey('ES256', { state, createdAt: T0, activatesAt: T0, retiresAt: T0, removesAt: T0 }, kek);
}

/**
 * What every `CatalogStore` must do, as Hydra's key managers share one test suite: each
 * implementation calls this with a factory of empty stores.
 */
export function describeCatalogStore(name: string, emptyStore: () => Promise<CatalogStore>): void {
  describe(`${name} keeps the CatalogStore contract`, () => {
    it('an empty store has no version and no catalog', async () => {
      const store = await emptyStore();
      expect(await store.version()).toBeUndefined();
      expect(await store.load()).toBeUndefined();
    });

    it('the first write is version 1, and each write from the newest adds one', async () => {
      const store = await emptyStore();
      const first = await key();
      expect(await store.compareAndSet(0, [first])).toEqual({ version: 1, keys: [first] });
      const second = await key('pending');
      expect((await store.compareAndSet(1, [first, second]))?.version).toBe(2);
      expect(await store.version()).toBe(2);
      expect(await store.load()).toEqual({ version: 2, keys: [first, second] });
    });

    it('a write from a version that is no longer the newest loses, and changes nothing', async () => {
      const store = await emptyStore();
      const first = await key();
      await store.compareAndSet(0, [first]);
      await store.compareAndSet(1, [first, await key('pending')]);
      expect(await store.compareAndSet(1, [await key()])).toBeUndefined();
      expect(await store.compareAndSet(0, [await key()])).toBeUndefined();
      expect(await store.version()).toBe(2);
    });

    it('of writers racing from one version exactly one wins', async () => {
      const store = await emptyStore();
      await store.compareAndSet(0, [await key()]);
      const candidates = await Promise.all(Array.from({ length: 8 }, () => key()));
      const results = await Promise.all(candidates.map((candidate) => store.compareAndSet(1, [candidate])));
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect(await store.load()).toEqual(winners[0]);
    });

    it('a superseded version holds no keys: loading it gives the newest instead', async () => {
      const store = await emptyStore();
      const first = await key();
      await store.compareAndSet(0, [first]);
      const next = [await key()];
      await store.compareAndSet(1, next);
      expect(await store.loadVersion(1)).toEqual({ version: 2, keys: next });
      expect(await store.loadVersion(2)).toEqual({ version: 2, keys: next });
      expect(await store.emptySuperseded()).toBe(0);
    });

    it('what a caller does to a loaded catalog does not change the stored one', async () => {
      const store = await emptyStore();
      const first = await key();
      await store.compareAndSet(0, [first]);
      const loaded = (await store.load())!;
      loaded.keys[0]!.state = 'revoked';
      expect((await store.load())!.keys[0]!.state).toBe('active');
    });
  });
}
