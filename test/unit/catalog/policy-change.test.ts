import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { reconcile } from '../../../src/catalog/reconcile.js';
import { revokeKey, rollover } from '../../../src/catalog/emergency.js';
import { generateOnDemand } from '../../../src/catalog/spare-keys.js';
import type { Catalog } from '../../../src/keys/catalog.js';
import type { Policy } from '../../../src/keys/policy.js';
import { kekFromBytes, keyringOf } from '../../../src/keys/seal.js';
import { providerKeys } from '../../../src/provider/provider-keys.js';
import { signingAlgorithms } from '../../../src/keys/signing-algorithms.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { MemoryCatalogStore } from '../../helpers/memory-catalog-store.js';

const kek = keyringOf([kekFromBytes(randomBytes(32))]);
const OLD: Policy = { algorithms: ['RS256'], rotationInterval: 60, prePublish: 10, overlap: 20 };
const NEW: Policy = { ...OLD, algorithms: ['ES256'] };
const SECOND = 1000;

const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'ok', (err: { code?: string }) => err.code ?? 'no code');
const of = (catalog: Catalog, alg: string, state: string): string[] => catalog.keys.filter((key) => key.alg === alg && key.state === state).map((key) => key.kid);

/** A catalog made under OLD, then the start-up of an instance with NEW. */
async function deployed(): Promise<{ store: MemoryCatalogStore; clock: FakeClock; rsKid: string }> {
  const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
  const store = new MemoryCatalogStore();
  const first = await reconcile(store, OLD, kek, clock.date, { adopt: true });
  clock.advance(5 * SECOND);
  await reconcile(store, NEW, kek, clock.date, { adopt: true });
  return { store, clock, rsKid: of(first.catalog, 'RS256', 'active')[0]! };
}

describe('a catalog shared by instances on different policies', () => {
  it('settles: the periodic jobs of the old and the new policy, racing, never bring the dropped family back nor take the new one away', async () => {
    const { store, clock, rsKid } = await deployed();
    const versionAfterStart = (await store.load())!.version;
    for (let i = 0; i < 10; i++) {
      clock.advance(SECOND);
      await Promise.all([reconcile(store, OLD, kek, clock.date), reconcile(store, NEW, kek, clock.date)]);
      const catalog = (await store.load())!;
      expect(of(catalog, 'RS256', 'active')).toEqual([]);
      expect(of(catalog, 'ES256', 'active')).toHaveLength(1);
    }
    const catalog = (await store.load())!;
    // Nothing was due in those ten seconds: neither policy wrote a single version.
    expect(catalog.version).toBe(versionAfterStart);
    expect(of(catalog, 'RS256', 'retiring')).toEqual([rsKid]);

    clock.advance(20 * SECOND);
    await reconcile(store, OLD, kek, clock.date);
    const later = (await store.load())!;
    expect(of(later, 'RS256', 'retired')).toEqual([rsKid]);
    expect(later.keys.find((key) => key.kid === rsKid)!.sealedPrivateJwk).toBeNull();
    expect(of(later, 'RS256', 'active')).toEqual([]);
  });

  it('the instance started last has the say: an old-policy start-up during the deploy takes the catalog back, the next new one forward again', async () => {
    const { store, clock } = await deployed();
    clock.advance(SECOND);
    const back = await reconcile(store, OLD, kek, clock.date, { adopt: true });
    expect(of(back.catalog, 'RS256', 'active')).toHaveLength(1);
    expect(of(back.catalog, 'ES256', 'active')).toEqual([]);
    clock.advance(SECOND);
    const forward = await reconcile(store, NEW, kek, clock.date, { adopt: true });
    expect(of(forward.catalog, 'RS256', 'active')).toEqual([]);
    expect(of(forward.catalog, 'ES256', 'active')).toHaveLength(1);
    // Every key that ever signed is still published until its overlap is over.
    expect(of(forward.catalog, 'RS256', 'retiring')).toHaveLength(2);
    expect(of(forward.catalog, 'ES256', 'retiring')).toHaveLength(1);
  });
});

describe('what an instance signs with', () => {
  it('only families of its own policy that the catalog keeps active; a dropped family only verifies', async () => {
    const { store } = await deployed();
    const catalog = (await store.load())!;
    expect(signingAlgorithms(catalog, ['ES256'])).toEqual(['ES256']);
    expect(signingAlgorithms(catalog, ['RS256', 'ES256'])).toEqual(['ES256']);
    const keys = await providerKeys(catalog, ['RS256', 'ES256'], kek);
    expect(keys.algorithms).toEqual(['ES256']);
    expect(keys.signer.alg).toBe('ES256');
    const rs = keys.jwks.filter((jwk) => jwk.alg === 'RS256');
    expect(rs).toHaveLength(1);
    expect(rs[0]!.key_ops).toEqual(['verify']);
  });

  it('an instance whose every family was dropped by a later start-up signs with the catalog\'s active key rather than none', async () => {
    const { store } = await deployed();
    const catalog = (await store.load())!;
    expect(signingAlgorithms(catalog, ['RS256'])).toEqual(['ES256']);
    expect((await providerKeys(catalog, ['RS256'], kek)).signer.alg).toBe('ES256');
  });
});

describe('emergencies in a dropped family', () => {
  it('a rollover of its retiring key is refused (it would bring the family back), a revocation works', async () => {
    const { store, clock, rsKid } = await deployed();
    const options = { reason: 'leaked' };
    expect(await codeOf(rollover(store, NEW, generateOnDemand(kek), { alg: 'RS256', compromisedKid: rsKid }, options, clock.date))).toBe('ROTOR_NOTHING_TO_ROLL_OVER');
    const { catalog } = await revokeKey(store, NEW, rsKid, options, clock.date);
    expect(of(catalog, 'RS256', 'revoked')).toEqual([rsKid]);
    expect(of(catalog, 'RS256', 'active')).toEqual([]);
  });
});
