import { describe, expect, it } from '@jest/globals';
import type { Catalog, KeyRecord, KeyState } from '../../../src/keys/catalog.js';
import { PUBLISHED_STATES } from '../../../src/keys/catalog.js';
import { applyTransitions, nextJwksChange, plan } from '../../../src/keys/plan.js';
import type { Policy } from '../../../src/keys/policy.js';
import type { Algorithm } from '../../../src/keys/algorithms.js';
import { at, byKid, catalogOf, key, reconcileOnce, secondsOf } from '../../helpers/hand-made-keys.js';

const POLICY: Policy = { algorithms: ['ES256'], rotationInterval: 100, prePublish: 20, overlap: 10 };
const TWO_ALGS: Policy = { ...POLICY, algorithms: ['ES256', 'EdDSA'] };
const EMPTY: Catalog = { version: 0, keys: [] };
const tick = reconcileOnce;

const activeOf = (catalog: Catalog, alg: Algorithm): KeyRecord[] => catalog.keys.filter((k) => k.alg === alg && k.state === 'active');

/** The first key of a deployment, signing since t=0. */
const firstKey = (alg: Algorithm = 'ES256'): KeyRecord => key(alg, 'active', { created: 0, activates: 0, retires: 100, removes: 110 });

describe('a new deployment', () => {
  it('an empty catalog gets one key per algorithm, signing at once', () => {
    const transitions = plan(EMPTY, TWO_ALGS, at(0));
    expect(transitions).toEqual([
      { type: 'create', alg: 'ES256', schedule: { state: 'active', createdAt: at(0), activatesAt: at(0), retiresAt: at(100), removesAt: at(110) } },
      { type: 'create', alg: 'EdDSA', schedule: { state: 'active', createdAt: at(0), activatesAt: at(0), retiresAt: at(100), removesAt: at(110) } },
    ]);
    const { catalog } = tick(EMPTY, TWO_ALGS, at(0));
    expect(activeOf(catalog, 'ES256')).toHaveLength(1);
    expect(activeOf(catalog, 'EdDSA')).toHaveLength(1);
  });
});

describe('planned rotation', () => {
  it('no next key is created before the active one is prePublish from its end', () => {
    expect(plan(catalogOf(firstKey()), POLICY, at(79))).toEqual([]);
  });

  it('the next key is published exactly prePublish before the active key is due, as pending', () => {
    expect(plan(catalogOf(firstKey()), POLICY, at(80))).toEqual([
      { type: 'create', alg: 'ES256', schedule: { state: 'pending', createdAt: at(80), activatesAt: at(100), retiresAt: at(200), removesAt: at(210) } },
    ]);
  });

  it('only one pending key is created however often the job runs', () => {
    let { catalog } = tick(catalogOf(firstKey()), POLICY, at(80));
    for (let t = 80; t < 100; t++) catalog = tick(catalog, POLICY, at(t)).catalog;
    expect(catalog.keys.filter((k) => k.state === 'pending')).toHaveLength(1);
    expect(catalog.version).toBe(2);
  });

  it('the pending key starts signing when due, and the old key stops signing at the same instant', () => {
    const old = firstKey();
    const next = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });
    expect(plan(catalogOf(old, next), POLICY, at(99))).toEqual([]);
    const { catalog, transitions } = tick(catalogOf(old, next), POLICY, at(100));
    expect(transitions).toEqual([{ type: 'promote', kid: next.kid, at: at(100) }, { type: 'demote', kid: old.kid, at: at(100) }]);
    expect(byKid(catalog, next.kid)).toMatchObject({ state: 'active', activatesAt: at(100), retiresAt: at(200), removesAt: at(210) });
    expect(byKid(catalog, old.kid)).toMatchObject({ state: 'retiring', retiresAt: at(100), removesAt: at(110), sealedPrivateJwk: `sealed:${old.kid}` });
  });

  it('a retiring key leaves the JWKS after overlap and its private part is destroyed', () => {
    const old = key('ES256', 'retiring', { created: 0, activates: 0, retires: 100, removes: 110 });
    const current = key('ES256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 });
    expect(plan(catalogOf(old, current), POLICY, at(109))).toEqual([]);
    const { catalog, transitions } = tick(catalogOf(old, current), POLICY, at(110));
    expect(transitions).toEqual([{ type: 'retire', kid: old.kid, at: at(110) }]);
    expect(byKid(catalog, old.kid)).toMatchObject({ state: 'retired', sealedPrivateJwk: null });
    expect(byKid(catalog, current.kid)).toEqual(current);
  });

  it('planning and applying never change the catalog they were given', () => {
    const old = firstKey();
    const next = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });
    const before = structuredClone([old, next]);
    const keys = [old, next];
    applyTransitions(keys, plan(catalogOf(...keys), POLICY, at(100)), [], POLICY);
    expect(keys).toEqual(before);
  });

  it.each([
    ['first start', EMPTY, 0],
    ['the pre-publication', catalogOf(firstKey()), 80],
    ['the promotion', catalogOf(firstKey(), key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 })), 100],
    ['the retirement', catalogOf(
      key('ES256', 'retiring', { created: 0, activates: 0, retires: 100, removes: 110 }),
      key('ES256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 }),
    ), 110],
  ])('running the job twice at %s changes nothing the second time', (_when, start, t) => {
    const first = tick(start, POLICY, at(t));
    expect(first.transitions.length).toBeGreaterThan(0);
    expect(plan(first.catalog, POLICY, at(t))).toEqual([]);
  });
});

describe('catching up after downtime', () => {
  it('with no pending key, the new key signs only prePublish after it was created, the old one signing meanwhile', () => {
    let { catalog, transitions } = tick(catalogOf(firstKey()), POLICY, at(500));
    expect(transitions).toEqual([
      { type: 'create', alg: 'ES256', schedule: { state: 'pending', createdAt: at(500), activatesAt: at(520), retiresAt: at(620), removesAt: at(630) } },
    ]);
    for (let t = 501; t < 520; t++) {
      catalog = tick(catalog, POLICY, at(t)).catalog;
      expect(activeOf(catalog, 'ES256').map((k) => k.kid)).toEqual([catalog.keys[0]!.kid]);
    }
    ({ catalog, transitions } = tick(catalog, POLICY, at(520)));
    expect(transitions.map((t) => t.type)).toEqual(['promote', 'demote']);
    expect(activeOf(catalog, 'ES256')[0]!.createdAt).toEqual(at(500));
  });

  it('a pending key that fell due during the outage signs at once, and the old key stays published overlap from now', () => {
    const old = firstKey();
    const next = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });
    const { catalog } = tick(catalogOf(old, next), POLICY, at(1000));
    expect(byKid(catalog, next.kid)).toMatchObject({ state: 'active', activatesAt: at(1000), retiresAt: at(1100) });
    expect(byKid(catalog, old.kid)).toMatchObject({ state: 'retiring', retiresAt: at(1000), removesAt: at(1010) });
    expect(plan(catalog, POLICY, at(1009))).toEqual([]);
  });

  it('a retiring key overdue for removal goes at the next run', () => {
    const old = key('ES256', 'retiring', { created: 0, activates: 0, retires: 100, removes: 110 });
    const current = key('ES256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 });
    expect(plan(catalogOf(old, current), POLICY, at(150))).toEqual([{ type: 'retire', kid: old.kid, at: at(150) }]);
  });
});

interface Step { state: KeyState; at: number }
interface Life { alg: Algorithm; steps: Step[] }
interface Simulation { lives: Map<string, Life>; violations: string[] }

const ORDER: KeyState[] = ['pending', 'active', 'retiring', 'retired'];

/** Runs the job at each instant and records every broken invariant, checked after every run. */
function simulate(policy: Policy, instants: number[], start: Catalog = EMPTY, everySecond = false): Simulation {
  const lives = new Map<string, Life>();
  const violations: string[] = [];
  let catalog = start;
  let announced: Date | undefined;
  let published: string | undefined;
  for (const t of instants) {
    const now = at(t);
    catalog = tick(catalog, policy, now).catalog;

    for (const alg of policy.algorithms) {
      const signers = activeOf(catalog, alg).length;
      if (signers !== 1) violations.push(`t=${t}: ${signers} active ${alg} keys`);
    }
    if (plan(catalog, policy, now).length > 0) violations.push(`t=${t}: a second run at the same instant still had work`);
    for (const k of catalog.keys) {
      const life = lives.get(k.kid) ?? { alg: k.alg, steps: [] };
      lives.set(k.kid, life);
      const last = life.steps.at(-1);
      if (last?.state !== k.state) {
        if (last && ORDER.indexOf(k.state) !== ORDER.indexOf(last.state) + 1) violations.push(`t=${t}: ${k.kid} went ${last.state} -> ${k.state}`);
        life.steps.push({ state: k.state, at: t });
      }
      if ((k.sealedPrivateJwk === null) !== (k.state === 'retired')) violations.push(`t=${t}: ${k.kid} is ${k.state} with private part ${k.sealedPrivateJwk}`);
    }

    // the published set never changes before the time nextJwksChange announced (and, ticking every second, exactly then)
    const nowPublished = catalog.keys.filter((k) => PUBLISHED_STATES.has(k.state)).map((k) => k.kid).sort().join(',');
    const changed = published !== undefined && nowPublished !== published;
    if (changed && (announced === undefined || t < secondsOf(announced))) violations.push(`t=${t}: JWKS changed before the announced ${announced?.toISOString()}`);
    if (everySecond && published !== undefined && announced && t === secondsOf(announced) && !changed) violations.push(`t=${t}: the announced JWKS change did not happen`);
    published = nowPublished;
    announced = nextJwksChange(catalog, policy, now);
  }
  for (const [kid, { steps }] of lives) {
    const pending = when(steps, 'pending');
    const active = when(steps, 'active');
    const retiring = when(steps, 'retiring');
    const retired = when(steps, 'retired');
    if (pending !== undefined && active !== undefined && active - pending < policy.prePublish) violations.push(`${kid} signed ${active - pending}s after it was published`);
    if (retiring !== undefined && retired !== undefined && retired - retiring < policy.overlap) violations.push(`${kid} was removed ${retired - retiring}s after it stopped signing`);
  }
  return { lives, violations };
}

/** When a key entered a state, if it did. */
const when = (steps: Step[], state: KeyState): number | undefined => steps.find((s) => s.state === state)?.at;

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const activations = (lives: Map<string, Life>, alg: Algorithm): number[] => [...lives.values()]
  .filter((life) => life.alg === alg)
  .flatMap((life) => (life.steps.some((s) => s.state === 'pending') ? [when(life.steps, 'active')] : []))
  .filter((t): t is number => t !== undefined)
  .sort((a, b) => a - b);

describe('five rotations, the job running every second', () => {
  it('never two signers nor none, every key pending -> active -> retiring -> retired, prePublish and overlap always honoured', () => {
    const { lives, violations } = simulate(POLICY, range(0, 560), EMPTY, true);
    expect(violations).toEqual([]);
    const lifecycles = [...lives.values()].map((life) => life.steps.map((s) => s.state).join(' -> '));
    expect(lifecycles).toEqual([
      'active -> retiring -> retired', // the first key: nothing signed before it
      ...Array<string>(4).fill('pending -> active -> retiring -> retired'),
      'pending -> active', // the key signing when the clock stops
    ]);
  });

  it('rotates exactly every rotationInterval, each key published exactly prePublish before and overlap after it signs', () => {
    const { lives } = simulate(POLICY, range(0, 560), EMPTY, true);
    expect(activations(lives, 'ES256')).toEqual([100, 200, 300, 400, 500]);
    for (const { steps } of [...lives.values()].slice(1, 5)) {
      expect(when(steps, 'active')! - when(steps, 'pending')!).toBe(POLICY.prePublish);
      expect(when(steps, 'retired')! - when(steps, 'retiring')!).toBe(POLICY.overlap);
    }
  });
});

describe('the job running at irregular times, with outages', () => {
  it('keeps exactly one signer per algorithm and never shortens prePublish or overlap', () => {
    // deterministic pseudo-random gaps of 1-45 s, with an occasional 5-minute outage
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const instants: number[] = [];
    for (let t = 0; t < 3000; t += random() < 0.05 ? 300 : 1 + Math.floor(random() * 45)) instants.push(t);
    const { lives, violations } = simulate(TWO_ALGS, instants);
    expect(violations).toEqual([]);
    expect(activations(lives, 'ES256').length).toBeGreaterThanOrEqual(10);
    expect(activations(lives, 'EdDSA').length).toBeGreaterThanOrEqual(10);
  });
});

describe('two algorithms', () => {
  it('rotate on their own schedules', () => {
    // ES256 starts at t=0; EdDSA is added to the policy at t=30
    let catalog = tick(EMPTY, POLICY, at(0)).catalog;
    catalog = tick(catalog, TWO_ALGS, at(30)).catalog;
    const { lives, violations } = simulate(TWO_ALGS, range(31, 450), catalog, true);
    expect(violations).toEqual([]);
    expect(activations(lives, 'ES256')).toEqual([100, 200, 300, 400]);
    expect(activations(lives, 'EdDSA')).toEqual([130, 230, 330, 430]);
  });

  it("one family's rotation leaves the other family's keys alone", () => {
    const es = firstKey('ES256');
    const ed = key('EdDSA', 'active', { created: 30, activates: 30, retires: 130, removes: 140 });
    const transitions = plan(catalogOf(es, ed), TWO_ALGS, at(80));
    expect(transitions).toEqual([expect.objectContaining({ type: 'create', alg: 'ES256' })]);
  });

  it('an algorithm dropped from the policy is not planned for', () => {
    expect(plan(catalogOf(firstKey('EdDSA')), POLICY, at(1000))).toEqual([
      expect.objectContaining({ type: 'create', alg: 'ES256', schedule: expect.objectContaining({ state: 'active' }) }),
    ]);
  });
});

describe('the next scheduled JWKS change', () => {
  it('is unknown for an empty catalog', () => {
    expect(nextJwksChange(EMPTY, POLICY, at(0))).toBeUndefined();
  });

  it('is when the next key will be published, prePublish before the active key is due', () => {
    expect(nextJwksChange(catalogOf(firstKey()), POLICY, at(0))).toEqual(at(80));
  });

  it('is when a retiring key goes, if that comes first', () => {
    const old = key('ES256', 'retiring', { created: 0, activates: 0, retires: 100, removes: 110 });
    const current = key('ES256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 });
    expect(nextJwksChange(catalogOf(old, current), POLICY, at(100))).toEqual(at(110));
  });

  it('is always strictly in the future', () => {
    const old = key('ES256', 'retiring', { created: 0, activates: 0, retires: 100, removes: 110 });
    const current = key('ES256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 });
    expect(nextJwksChange(catalogOf(old, current), POLICY, at(110))).toEqual(at(180));
  });

  it('is the earliest change across algorithms', () => {
    const es = key('ES256', 'active', { created: 0, activates: 0, retires: 150, removes: 160 });
    const ed = key('EdDSA', 'active', { created: 0, activates: 0, retires: 120, removes: 130 });
    expect(nextJwksChange(catalogOf(es, ed), TWO_ALGS, at(0))).toEqual(at(100));
  });

  it('ignores retired keys', () => {
    const gone = key('ES256', 'retired', { created: 0, activates: 0, retires: 100, removes: 110 });
    const current = key('ES256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 });
    expect(nextJwksChange(catalogOf(gone, current), POLICY, at(105))).toEqual(at(180));
  });
});
