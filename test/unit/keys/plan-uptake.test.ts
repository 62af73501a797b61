import { describe, expect, it } from '@jest/globals';
import type { Catalog, KeyRecord } from '../../../src/keys/catalog.js';
import { plan } from '../../../src/keys/plan.js';
import { UPTAKE_READY_REASON, UPTAKE_TIMEOUT_REASON, type UptakeGate } from '../../../src/keys/uptake.js';
import type { Policy } from '../../../src/keys/policy.js';
import { at, byKid, catalogOf, key, reconcileOnce as tick } from '../../helpers/hand-made-keys.js';

const POLICY: Policy = { algorithms: ['ES256'], rotationInterval: 100, prePublish: 20, overlap: 10 };
/** Two consumers seen: one holds only the old key. */
const NOBODY_READY: UptakeGate = { consumers: [['old'], []], maxDelay: 50 };
const readyFor = (kid: string): UptakeGate => ({ consumers: [['old', kid], [kid]], maxDelay: 50 });

/** A key signing since t=0, and its successor, published at t=80 and due at t=100. */
function rotationDue(): { old: KeyRecord; next: KeyRecord; catalog: Catalog } {
  const old = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
  const next = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });
  return { old, next, catalog: catalogOf(old, next) };
}

const activeKids = (catalog: Catalog): string[] => catalog.keys.filter((k) => k.state === 'active').map((k) => k.kid);

describe('key activation by uptake', () => {
  it('without the uptake gate ("time"), a due key activates on time whatever the consumers hold', () => {
    const { old, next, catalog } = rotationDue();
    expect(plan(catalog, POLICY, at(100))).toEqual([{ type: 'promote', kid: next.kid, at: at(100) }, { type: 'demote', kid: old.kid, at: at(100) }]);
  });

  it('a due key no consumer holds yet is held, once, with an audited delay; the old key keeps signing', () => {
    const { old, next, catalog } = rotationDue();
    const first = tick(catalog, POLICY, at(100), { uptake: NOBODY_READY });
    expect(first.transitions).toEqual([{ type: 'delay', kid: next.kid, at: at(100), dueAt: at(100), until: at(150) }]);
    expect(activeKids(first.catalog)).toEqual([old.kid]);
    expect(byKid(first.catalog, next.kid)).toMatchObject({ state: 'pending', activationDelayedAt: at(100) });
    // Later ticks change nothing while it waits: no second delay, no new key, the old key not retired.
    for (let t = 101; t < 150; t += 7) expect(plan(first.catalog, POLICY, at(t), { uptake: NOBODY_READY })).toEqual([]);
  });

  it('the held key activates once every consumer seen holds it, and the old key gets its full overlap from then', () => {
    const { old, next, catalog } = rotationDue();
    const held = tick(catalog, POLICY, at(100), { uptake: NOBODY_READY }).catalog;
    const { catalog: after, transitions } = tick(held, POLICY, at(130), { uptake: readyFor(next.kid) });
    expect(transitions).toEqual([{ type: 'promote', kid: next.kid, at: at(130), reason: UPTAKE_READY_REASON }, { type: 'demote', kid: old.kid, at: at(130) }]);
    expect(byKid(after, next.kid)).toMatchObject({ state: 'active', activatesAt: at(130), retiresAt: at(230) });
    expect(byKid(after, old.kid)).toMatchObject({ state: 'retiring', retiresAt: at(130), removesAt: at(140) });
    expect(activeKids(after)).toEqual([next.kid]);
  });

  it('one consumer still without the key holds it back', () => {
    const { next, catalog } = rotationDue();
    expect(plan(catalog, POLICY, at(100), { uptake: { consumers: [[next.kid], ['old']], maxDelay: 50 } })[0]).toMatchObject({ type: 'delay' });
  });

  it('with no consumer seen, a due key activates on time', () => {
    const { next, catalog } = rotationDue();
    expect(plan(catalog, POLICY, at(100), { uptake: { consumers: [], maxDelay: 50 } })[0]).toMatchObject({ type: 'promote', kid: next.kid });
  });

  it('a key every consumer already holds activates on time', () => {
    const { next, catalog } = rotationDue();
    expect(plan(catalog, POLICY, at(100), { uptake: readyFor(next.kid) })[0]).toEqual({ type: 'promote', kid: next.kid, at: at(100), reason: UPTAKE_READY_REASON });
  });

  it('the held key activates when keys.maxActivationDelay runs out, ready or not', () => {
    const { old, next, catalog } = rotationDue();
    const held = tick(catalog, POLICY, at(100), { uptake: NOBODY_READY }).catalog;
    expect(plan(held, POLICY, at(149), { uptake: NOBODY_READY })).toEqual([]);
    const { catalog: after, transitions } = tick(held, POLICY, at(150), { uptake: NOBODY_READY });
    expect(transitions).toEqual([{ type: 'promote', kid: next.kid, at: at(150), reason: UPTAKE_TIMEOUT_REASON }, { type: 'demote', kid: old.kid, at: at(150) }]);
    expect(byKid(after, old.kid)).toMatchObject({ retiresAt: at(150), removesAt: at(160) });
  });

  it('a family without a signer never waits for its consumers', () => {
    const next = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });
    expect(plan(catalogOf(next), POLICY, at(100), { uptake: NOBODY_READY })).toEqual([{ type: 'promote', kid: next.kid, at: at(100) }]);
  });

  it('a key not yet due is not touched by the gate', () => {
    const { catalog } = rotationDue();
    expect(plan(catalog, POLICY, at(99), { uptake: NOBODY_READY })).toEqual([]);
  });

  it('exactly one key signs at every instant across a held rotation', () => {
    let { catalog } = rotationDue();
    for (let t = 90; t <= 300; t++) {
      const uptake = t < 140 ? NOBODY_READY : readyFor(catalog.keys.find((k) => k.state === 'pending')?.kid ?? '');
      catalog = tick(catalog, POLICY, at(t), { uptake }).catalog;
      expect(activeKids(catalog)).toHaveLength(1);
      for (const retiring of catalog.keys.filter((k) => k.state === 'retiring')) {
        expect(retiring.removesAt.getTime() - retiring.retiresAt.getTime()).toBeGreaterThanOrEqual(POLICY.overlap * 1000);
      }
    }
  });
});
