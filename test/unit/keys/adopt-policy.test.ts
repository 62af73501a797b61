import { describe, expect, it } from '@jest/globals';
import type { Catalog, KeyRecord, KeyState } from '../../../src/keys/catalog.js';
import { DROPPED_REASON, plan, type PlanOptions } from '../../../src/keys/plan.js';
import type { Policy } from '../../../src/keys/policy.js';
import type { Algorithm } from '../../../src/keys/algorithms.js';
import { at, byKid, catalogOf, key, reconcileOnce, secondsOf } from '../../helpers/hand-made-keys.js';

const ES: Policy = { algorithms: ['ES256'], rotationInterval: 100, prePublish: 20, overlap: 10 };
const RS: Policy = { ...ES, algorithms: ['RS256'] };
const BOTH: Policy = { ...ES, algorithms: ['RS256', 'ES256'] };
const ADOPT: PlanOptions = { adopt: true };
const run = reconcileOnce;

const inState = (catalog: Catalog, alg: Algorithm, state: KeyState): KeyRecord[] => catalog.keys.filter((k) => k.alg === alg && k.state === state);
const seconds = (k: KeyRecord): { activates: number; retires: number; removes: number } => ({ activates: secondsOf(k.activatesAt), retires: secondsOf(k.retiresAt), removes: secondsOf(k.removesAt) });

/** RS256 signing since t=0 under ES's durations, with its successor published at t=80. */
const rsFamily = (): [KeyRecord, KeyRecord] => [
  key('RS256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 }),
  key('RS256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 }),
];

describe('a family dropped from keys.algorithms', () => {
  it('stops signing at once on start-up: the active key retires on the normal schedule, the pending one leaves the JWKS, the new family signs', () => {
    const [active, pending] = rsFamily();
    const { catalog, transitions } = run(catalogOf(active, pending), ES, at(85), ADOPT);
    expect(transitions).toEqual([
      { type: 'demote', kid: active.kid, at: at(85), reason: DROPPED_REASON },
      { type: 'retire', kid: pending.kid, at: at(85), reason: DROPPED_REASON },
      { type: 'create', alg: 'ES256', schedule: { state: 'active', createdAt: at(85), activatesAt: at(85), retiresAt: at(185), removesAt: at(195) } },
    ]);
    expect(byKid(catalog, active.kid)).toMatchObject({ state: 'retiring', retiresAt: at(85), removesAt: at(95), reason: DROPPED_REASON, sealedPrivateJwk: `sealed:${active.kid}` });
    expect(byKid(catalog, pending.kid)).toMatchObject({ state: 'retired', sealedPrivateJwk: null, reason: DROPPED_REASON });
    expect(plan(catalog, ES, at(85), ADOPT)).toEqual([]);
    expect(plan(catalog, ES, at(94))).toEqual([]);

    const after = run(catalog, ES, at(95));
    expect(after.transitions).toEqual([{ type: 'retire', kid: active.kid, at: at(95) }]);
    expect(byKid(after.catalog, active.kid)).toMatchObject({ state: 'retired', sealedPrivateJwk: null });
    expect(inState(after.catalog, 'ES256', 'active')).toHaveLength(1);
  });

  it('keeps the overlap its tokens were promised, even when the new policy has a shorter one', () => {
    const active = key('RS256', 'active', { created: 0, activates: 0, retires: 100, removes: 160 });
    const { catalog } = run(catalogOf(active), ES, at(40), ADOPT);
    expect(seconds(byKid(catalog, active.kid))).toMatchObject({ retires: 40, removes: 100 });
  });

  it('a retiring key of the dropped family stays for its overlap, longer if the new overlap is longer', () => {
    const retiring = key('RS256', 'retiring', { created: 0, activates: 0, retires: 100, removes: 110 });
    const active = key('RS256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 });
    const { catalog } = run(catalogOf(retiring, active), { ...ES, overlap: 30 }, at(105), ADOPT);
    expect(seconds(byKid(catalog, retiring.kid))).toMatchObject({ retires: 100, removes: 130 });
    expect(seconds(byKid(catalog, active.kid))).toMatchObject({ retires: 105, removes: 135 });
  });

  it('is left alone by the periodic job, which never drops a family (only start-up does)', () => {
    const [active] = rsFamily();
    expect(plan(catalogOf(active), ES, at(50))).toEqual([
      expect.objectContaining({ type: 'create', alg: 'ES256' }),
    ]);
    expect(plan(catalogOf(active), ES, at(85))).toEqual([
      expect.objectContaining({ type: 'create', alg: 'ES256' }),
    ]);
  });

  it('is never given a key again by the periodic job of an instance still listing it', () => {
    const [active, pending] = rsFamily();
    let { catalog } = run(catalogOf(active, pending), ES, at(85), ADOPT);
    for (let t = 86; t < 400; t++) {
      const policy = t % 2 === 0 ? RS : BOTH;
      catalog = run(catalog, policy, at(t)).catalog;
      expect(inState(catalog, 'RS256', 'active')).toEqual([]);
      expect(inState(catalog, 'RS256', 'pending')).toEqual([]);
      expect(inState(catalog, 'ES256', 'active')).toHaveLength(1);
    }
    expect(inState(catalog, 'RS256', 'retired')).toHaveLength(2);
  });

  it('comes back when a start-up lists it again', () => {
    const [active] = rsFamily();
    const dropped = run(catalogOf(active), ES, at(50), ADOPT).catalog;
    const { catalog, transitions } = run(dropped, BOTH, at(55), ADOPT);
    expect(transitions).toEqual([expect.objectContaining({ type: 'create', alg: 'RS256', schedule: expect.objectContaining({ state: 'active' }) })]);
    expect(inState(catalog, 'RS256', 'retiring').map((k) => k.kid)).toEqual([active.kid]);
  });
});

describe('a changed rotationInterval', () => {
  it('longer: the active key signs longer, and its successor is published later accordingly', () => {
    const active = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
    const policy = { ...ES, rotationInterval: 200 };
    let { catalog, transitions } = run(catalogOf(active), policy, at(10), ADOPT);
    expect(transitions).toEqual([{ type: 'reschedule', kid: active.kid, activatesAt: at(0), retiresAt: at(200), removesAt: at(210) }]);
    expect(plan(catalog, policy, at(179))).toEqual([]);
    ({ catalog, transitions } = run(catalog, policy, at(180)));
    expect(transitions).toEqual([{ type: 'create', alg: 'ES256', schedule: { state: 'pending', createdAt: at(180), activatesAt: at(200), retiresAt: at(400), removesAt: at(410) } }]);
  });

  it('longer, with the successor already published: the successor activates later, and signs for the new interval', () => {
    const active = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
    const successor = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });
    const policy = { ...ES, rotationInterval: 200 };
    const { catalog } = run(catalogOf(active, successor), policy, at(85), ADOPT);
    expect(seconds(byKid(catalog, active.kid))).toEqual({ activates: 0, retires: 200, removes: 210 });
    expect(seconds(byKid(catalog, successor.kid))).toEqual({ activates: 200, retires: 400, removes: 410 });
    expect(plan(catalog, policy, at(199))).toEqual([]);
    const promoted = run(catalog, policy, at(200));
    expect(promoted.transitions.map((t) => t.type)).toEqual(['promote', 'demote']);
    expect(seconds(byKid(promoted.catalog, successor.kid))).toEqual({ activates: 200, retires: 400, removes: 410 });
  });

  it('shorter: the active key retires sooner', () => {
    const active = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
    const policy = { ...ES, rotationInterval: 50 };
    const { catalog } = run(catalogOf(active), policy, at(10), ADOPT);
    expect(seconds(byKid(catalog, active.kid))).toEqual({ activates: 0, retires: 50, removes: 60 });
    expect(run(catalog, policy, at(30)).transitions).toEqual([
      { type: 'create', alg: 'ES256', schedule: { state: 'pending', createdAt: at(30), activatesAt: at(50), retiresAt: at(100), removesAt: at(110) } },
    ]);
  });

  it('shorter than the active key has already signed: it retires as soon as a successor has been published for prePublish', () => {
    const active = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
    const policy = { ...ES, rotationInterval: 50 };
    const { catalog, transitions } = run(catalogOf(active), policy, at(70), ADOPT);
    expect(transitions).toEqual([
      { type: 'reschedule', kid: active.kid, activatesAt: at(0), retiresAt: at(90), removesAt: at(100) },
      { type: 'create', alg: 'ES256', schedule: { state: 'pending', createdAt: at(70), activatesAt: at(90), retiresAt: at(140), removesAt: at(150) } },
    ]);
    expect(plan(catalog, policy, at(70), ADOPT)).toEqual([]);
    expect(plan(catalog, policy, at(89))).toEqual([]);
  });

  it('shorter, with the successor already published: the successor never signs sooner than it was to', () => {
    const active = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
    const successor = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });
    const policy = { ...ES, rotationInterval: 50 };
    const { catalog } = run(catalogOf(active, successor), policy, at(85), ADOPT);
    expect(seconds(byKid(catalog, active.kid))).toEqual({ activates: 0, retires: 100, removes: 110 });
    expect(seconds(byKid(catalog, successor.kid))).toEqual({ activates: 100, retires: 150, removes: 160 });
  });

  it('leaves a planned rotation on demand (a successor due before the active key ends) at its time', () => {
    const active = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
    const rotation = key('ES256', 'pending', { created: 30, activates: 50, retires: 150, removes: 160 });
    const policy = { ...ES, rotationInterval: 300 };
    const first = run(catalogOf(active, rotation), policy, at(35), ADOPT).catalog;
    expect(seconds(byKid(first, rotation.kid))).toEqual({ activates: 50, retires: 350, removes: 360 });
    expect(plan(first, policy, at(40), ADOPT)).toEqual([]);
  });
});

describe('a changed prePublish', () => {
  const active = key('ES256', 'active', { created: 0, activates: 0, retires: 100, removes: 110 });
  const successor = key('ES256', 'pending', { created: 80, activates: 100, retires: 200, removes: 210 });

  it('longer: a published successor signs only once published for the new prePublish, the active key signing meanwhile', () => {
    const { catalog } = run(catalogOf(active, successor), { ...ES, prePublish: 40 }, at(85), ADOPT);
    expect(seconds(byKid(catalog, successor.kid))).toEqual({ activates: 120, retires: 220, removes: 230 });
    expect(seconds(byKid(catalog, active.kid))).toEqual({ activates: 0, retires: 120, removes: 130 });
  });

  it('shorter: never sooner than already promised', () => {
    const { catalog, transitions } = run(catalogOf(active, successor), { ...ES, prePublish: 5 }, at(85), ADOPT);
    expect(transitions).toEqual([]);
    expect(seconds(byKid(catalog, successor.kid)).activates).toBe(100);
  });
});

describe('a changed overlap', () => {
  const retiring = key('ES256', 'retiring', { created: 0, activates: 0, retires: 100, removes: 110 });
  const active = key('ES256', 'active', { created: 80, activates: 100, retires: 200, removes: 210 });

  it('longer: every key stays published longer after it stops signing, retiring ones included', () => {
    const { catalog } = run(catalogOf(retiring, active), { ...ES, overlap: 30 }, at(105), ADOPT);
    expect(seconds(byKid(catalog, retiring.kid))).toEqual({ activates: 0, retires: 100, removes: 130 });
    expect(seconds(byKid(catalog, active.kid))).toEqual({ activates: 100, retires: 200, removes: 230 });
  });

  it('shorter: no key already made leaves sooner than it was promised; keys made from then on get the new overlap', () => {
    const policy = { ...ES, overlap: 5 };
    let { catalog, transitions } = run(catalogOf(retiring, active), policy, at(105), ADOPT);
    expect(transitions).toEqual([]);
    ({ catalog } = run(catalog, policy, at(110)));
    expect(byKid(catalog, retiring.kid).state).toBe('retired');
    ({ catalog } = run(catalog, policy, at(180)));
    const next = inState(catalog, 'ES256', 'pending')[0]!;
    expect(seconds(next)).toEqual({ activates: 200, retires: 300, removes: 305 });
    ({ catalog } = run(catalog, policy, at(200)));
    expect(seconds(byKid(catalog, active.kid))).toEqual({ activates: 100, retires: 200, removes: 210 });
  });
});

describe('restarting with the same policy', () => {
  it('changes nothing, at any moment of the rotation', () => {
    let catalog: Catalog = { version: 0, keys: [] };
    for (let t = 0; t < 500; t++) {
      catalog = run(catalog, BOTH, at(t)).catalog;
      expect([t, plan(catalog, BOTH, at(t), ADOPT)]).toEqual([t, []]);
    }
  });
});

interface Life { alg: Algorithm; states: Array<{ state: KeyState; at: number }> }

describe('policy changes at random restarts, the job running at random times', () => {
  it('never leaves a listed family without one signer, never signs with a dropped one, never shortens prePublish or overlap, and always settles', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const families: Algorithm[][] = [['ES256'], ['RS256'], ['ES256', 'RS256'], ['RS256', 'ES256']];
    const policyAt: Array<{ from: number; policy: Policy }> = [];
    let policy: Policy = ES;
    let catalog: Catalog = { version: 0, keys: [] };
    const lives = new Map<string, Life>();
    const violations: string[] = [];
    let restarts = 0;
    for (let t = 0; t < 6000; t += 1 + Math.floor(random() * 15)) {
      const restart = t === 0 || random() < 0.04;
      if (restart) {
        restarts++;
        const prePublish = pick([10, 20, 40]);
        policy = { algorithms: pick(families), prePublish, rotationInterval: prePublish + pick([10, 60, 150]), overlap: pick([5, 10, 30]) };
        policyAt.push({ from: t, policy });
      }
      const options = restart ? ADOPT : {};
      catalog = run(catalog, policy, at(t), options).catalog;
      if (plan(catalog, policy, at(t), options).length > 0) violations.push(`t=${t}: a second run at the same instant still had work`);
      for (const alg of ['ES256', 'RS256'] as const) {
        const signers = inState(catalog, alg, 'active').length;
        if (policy.algorithms.includes(alg) && signers !== 1) violations.push(`t=${t}: ${signers} active ${alg} keys`);
        if (!policy.algorithms.includes(alg) && signers !== 0) violations.push(`t=${t}: dropped ${alg} still signs`);
      }
      for (const k of catalog.keys) {
        const life = lives.get(k.kid) ?? { alg: k.alg, states: [] };
        lives.set(k.kid, life);
        if (life.states.at(-1)?.state !== k.state) life.states.push({ state: k.state, at: t });
        if ((k.sealedPrivateJwk === null) !== (k.state === 'retired')) violations.push(`t=${t}: ${k.kid} is ${k.state} with private part ${k.sealedPrivateJwk}`);
      }
    }
    const inForce = (from: number, to: number): Policy[] => policyAt.filter((p, i) => p.from <= to && (policyAt[i + 1]?.from ?? Infinity) > from).map((p) => p.policy);
    for (const [kid, { states }] of lives) {
      const path = states.map((s) => s.state).join('>');
      if (!['active', 'active>retiring', 'active>retiring>retired', 'pending', 'pending>retired', 'pending>active', 'pending>active>retiring', 'pending>active>retiring>retired'].includes(path)) violations.push(`${kid}: ${path}`);
      const when = (state: KeyState): number | undefined => states.find((s) => s.state === state)?.at;
      const [pending, active, retiring, retired] = [when('pending'), when('active'), when('retiring'), when('retired')];
      if (pending !== undefined && active !== undefined) {
        const promised = Math.max(...inForce(pending, active - 1).map((p) => p.prePublish));
        if (active - pending < promised) violations.push(`${kid} signed ${active - pending}s after it was published, promised ${promised}`);
      }
      if (active !== undefined && retiring !== undefined && retired !== undefined) {
        const promised = Math.max(...inForce(active, retired - 1).map((p) => p.overlap));
        if (retired - retiring < promised) violations.push(`${kid} left ${retired - retiring}s after it stopped signing, promised ${promised}`);
      }
    }
    expect(violations).toEqual([]);
    expect(restarts).toBeGreaterThan(10);
    expect([...lives.values()].filter((life) => life.states.some((s) => s.state === 'retired')).length).toBeGreaterThan(20);
  });
});
