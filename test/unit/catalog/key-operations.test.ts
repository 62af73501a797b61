import { beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { createAuditTrail } from '../../../src/audit/audit-trail.js';
import { clientPrincipal, userPrincipal } from '../../../src/audit/principal.js';
import { createEmergencyWorkflow, type EmergencyWorkflow } from '../../../src/catalog/emergency-workflow.js';
import { createKeyOperations, type KeyOperations } from '../../../src/catalog/key-operations.js';
import { reconcile } from '../../../src/catalog/reconcile.js';
import { generateOnDemand } from '../../../src/catalog/spare-keys.js';
import type { Catalog } from '../../../src/keys/catalog.js';
import type { Policy } from '../../../src/keys/policy.js';
import { kekFromBytes, keyringOf } from '../../../src/keys/seal.js';
import { createLogger } from '../../../src/logging/create-logger.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { MemoryCatalogStore } from '../../helpers/memory-catalog-store.js';
import { MemoryAuditStore, MemoryEmergencyRequests } from '../../helpers/memory-stores.js';

const kek = keyringOf([kekFromBytes(randomBytes(32))]);
const POLICY: Policy = { algorithms: ['ES256'], rotationInterval: 3600, prePublish: 600, overlap: 300 };
const HOUR = 3600_000;
const sam = userPrincipal('sam', 'console');
const sue = userPrincipal('sue', 'console');

/** The error code an operation fails with, or 'ok'. */
const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'ok', (err: { code?: string }) => err.code ?? 'no code');

describe('the catalog operations, on a fake clock', () => {
  let clock: FakeClock;
  let store: MemoryCatalogStore;
  let audit: MemoryAuditStore;
  let operations: KeyOperations;
  let workflow: (approvals: 1 | 2) => EmergencyWorkflow;
  /** What asked for an anchor, and the head's sequence number then. */
  let anchors: string[];

  const catalog = async (): Promise<Catalog> => (await store.load())!;
  const inState = async (state: string) => (await catalog()).keys.filter((key) => key.state === state);

  beforeEach(async () => {
    clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    store = new MemoryCatalogStore();
    audit = new MemoryAuditStore();
    anchors = [];
    const auditLog = createAuditLog(audit, randomBytes(32));
    const trail = createAuditTrail(auditLog, createLogger({ level: 'error', production: false }), clock.date);
    await reconcile(store, POLICY, kek, clock.date);
    operations = createKeyOperations({
      repo: store, auditLog, audit: trail, policy: POLICY, keyring: kek, now: clock.date, freshKey: generateOnDemand(kek),
      rotationMinInterval: 3600, countLiveGrants: async () => 7,
    });
    const requests = new MemoryEmergencyRequests();
    workflow = (approvals) => createEmergencyWorkflow({ operations, requests, audit: trail, approvals, approvalWindow: 900, defaultAlg: 'ES256', now: clock.date, anchor: async (why) => anchors.push(`${why}@${audit.events.at(-1)?.seq ?? 0}`) });
  });

  describe('planned rotation', () => {
    it('publishes a pending key that signs once prePublish has passed, and audits who asked', async () => {
      const result = await operations.rotate(sam, { alg: 'ES256', reason: 'quarterly' });
      expect('key' in result && result.key.state).toBe('pending');
      expect('key' in result && result.key.activatesAt.getTime()).toBe(clock.now() + POLICY.prePublish * 1000);
      expect(audit.events.at(-1)).toMatchObject({ actor: 'user:sam', client: 'console', action: 'keys.rotate', outcome: 'ok', reason: 'quarterly' });
    });

    it('a second rotation within admin.rotationMinInterval is refused; after it, allowed', async () => {
      await operations.rotate(sam, { alg: 'ES256', reason: 'quarterly' });
      clock.advance(HOUR - 60_000);
      expect(await codeOf(operations.rotate(sam, { alg: 'ES256', reason: 'again' }))).toBe('ROTOR_ROTATION_TOO_SOON');
      expect(audit.events.at(-1)).toMatchObject({ action: 'keys.rotate', outcome: 'refused' });
      clock.advance(60_000);
      expect(await codeOf(operations.rotate(sam, { alg: 'ES256', reason: 'again' }))).toBe('ok');
    });

    it('a dry run reports the change and writes nothing', async () => {
      const before = await catalog();
      const result = await operations.rotate(sam, { alg: 'ES256', reason: 'what if', dryRun: true });
      expect(result).toMatchObject({ dryRun: true, version: before.version, liveGrants: 7, changes: [{ to: 'pending' }] });
      expect(await catalog()).toEqual(before);
    });

    it('an algorithm the policy does not manage is refused', async () => {
      expect(await codeOf(operations.rotate(sam, { alg: 'RS256', reason: 'typo' }))).toBe('ROTOR_UNKNOWN_ALG');
    });
  });

  describe('emergency rollover', () => {
    it('revokes the active key, a fresh key signs at once, and there is never a moment without one', async () => {
      const [active] = await inState('active');
      const result = await operations.rollover(clientPrincipal('soar'), { alg: 'ES256', reason: 'leaked' });
      expect('revokedKids' in result && result.revokedKids).toEqual([active!.kid]);
      const after = await catalog();
      expect(after.keys.filter((key) => key.state === 'active')).toHaveLength(1);
      const revoked = after.keys.find((key) => key.kid === active!.kid)!;
      expect(revoked).toMatchObject({ state: 'revoked', sealedPrivateJwk: null, reason: 'leaked' });
      expect(revoked.revokedAt!.getTime()).toBe(clock.now());
      expect(audit.events.at(-1)).toMatchObject({ actor: 'client:soar', action: 'keys.rollover', outcome: 'ok' });
    });

    it('by default a fresh key signs and the pending keys are revoked too; with promotePending the oldest pending key signs', async () => {
      await operations.rotate(sam, { alg: 'ES256', reason: 'quarterly' });
      const [pending] = await inState('pending');
      const [active] = await inState('active');
      const dry = await operations.rollover(sam, { alg: 'ES256', reason: 'heap dump leaked', dryRun: true });
      expect('changes' in dry && dry.changes).toEqual(expect.arrayContaining([expect.objectContaining({ kid: pending!.kid, to: 'revoked' })]));
      const result = await operations.rollover(sam, { alg: 'ES256', reason: 'heap dump leaked' });
      expect('revokedKids' in result && result.revokedKids).toEqual([active!.kid, pending!.kid]);
      const [signing] = await inState('active');
      expect([active!.kid, pending!.kid]).not.toContain(signing!.kid);

      clock.advance(HOUR);
      await operations.rotate(sam, { alg: 'ES256', reason: 'standby' });
      const [standby] = await inState('pending');
      const promoted = await operations.rollover(sam, { alg: 'ES256', reason: 'one key leaked', promotePending: true });
      expect('activeKid' in promoted && promoted.activeKid).toBe(standby!.kid);
      expect('revokedKids' in promoted && promoted.revokedKids).toEqual([signing!.kid]);
    });

    it('revokes a retiring key named as compromised; a new key signs at once and the active one retires', async () => {
      await operations.rotate(sam, { alg: 'ES256', reason: 'quarterly' });
      clock.advance(POLICY.prePublish * 1000 + 1000);
      await reconcile(store, POLICY, kek, clock.date);
      const [retiring] = await inState('retiring');
      const [active] = await inState('active');
      await operations.rollover(sam, { alg: 'ES256', compromisedKid: retiring!.kid, reason: 'old key leaked' });
      expect((await catalog()).keys.find((key) => key.kid === retiring!.kid)!.state).toBe('revoked');
      expect((await inState('active')).map((key) => key.kid)).not.toContain(active!.kid);
      expect((await inState('retiring')).map((key) => key.kid)).toEqual([active!.kid]);
    });
  });

  describe('revocation', () => {
    it('revokes a pending key; the active key is refused (use a rollover)', async () => {
      await operations.rotate(sam, { alg: 'ES256', reason: 'quarterly' });
      const [pending] = await inState('pending');
      const [active] = await inState('active');
      expect(await codeOf(operations.revoke(sam, { kid: pending!.kid, reason: 'generated on a bad host' }))).toBe('ok');
      expect((await catalog()).keys.find((key) => key.kid === pending!.kid)!.state).toBe('revoked');
      expect(await codeOf(operations.revoke(sam, { kid: active!.kid, reason: 'nope' }))).not.toBe('ok');
      expect(await codeOf(operations.revoke(sam, { kid: 'no-such-kid', reason: 'nope' }))).not.toBe('ok');
    });
  });

  describe('the two-person rule', () => {
    it('a request waits; the requester through another client cannot approve; another person can, once', async () => {
      const emergency = workflow(2);
      const opened = await emergency.request(sam, 'rollover', { alg: 'ES256' }, 'leaked');
      if (opened.kind !== 'pending') throw new Error(`expected a pending request, got ${opened.kind}`);
      const id = opened.requestId;
      expect((await inState('revoked'))).toHaveLength(0);

      expect(await codeOf(emergency.approve(userPrincipal('sam', 'console2'), id, 'me again'))).toBe('ROTOR_SAME_APPROVER');
      expect(await codeOf(emergency.approve(clientPrincipal('console'), id, 'the client itself'))).toBe('ROTOR_SAME_APPROVER');
      const approved = await emergency.approve(sue, id, 'confirmed');
      expect(approved.kind).toBe('done');
      expect(await inState('revoked')).toHaveLength(1);
      expect(audit.events.at(-1)).toMatchObject({ actor: 'user:sam', action: 'keys.rollover', detail: { approvedBy: 'user:sue', approvedByClient: 'console' } });
      expect(await codeOf(emergency.approve(userPrincipal('ann', 'console'), id, 'late'))).toBe('ROTOR_ALREADY_APPROVED');
    });

    it('a waiting request is listed until another person rejects it; rejected, it changes nothing and cannot be approved', async () => {
      const emergency = workflow(2);
      const opened = await emergency.request(sam, 'rollover', { alg: 'ES256' }, 'maybe leaked');
      const id = opened.kind === 'pending' ? opened.requestId : '';
      expect((await emergency.waiting()).map((request) => request.id)).toEqual([id]);
      await emergency.reject(sue, id, 'it was a test key');
      expect(await emergency.waiting()).toEqual([]);
      expect(audit.events.at(-1)).toMatchObject({ actor: 'user:sue', action: 'keys.emergency.reject', target: id, outcome: 'ok' });
      expect(await codeOf(emergency.approve(userPrincipal('ann', 'console'), id, 'too late'))).toBe('ROTOR_ALREADY_APPROVED');
      expect(await inState('revoked')).toHaveLength(0);
    });

    it('a request not approved within admin.approvalWindow expires', async () => {
      const emergency = workflow(2);
      const opened = await emergency.request(sam, 'revoke', { kid: (await inState('active'))[0]!.kid }, 'leaked');
      clock.advance(900_000);
      expect(opened.kind).toBe('pending');
      expect(await codeOf(emergency.approve(sue, opened.kind === 'pending' ? opened.requestId : '', 'too late'))).toBe('ROTOR_REQUEST_EXPIRED');
    });

    it('a rollover, a request, a refused approval and an approval are each anchored with their audit event before the answer; a dry run is not', async () => {
      const headNow = (): string => `emergency@${audit.events.at(-1)!.seq}`;
      await workflow(1).request(sam, 'rollover', { alg: 'ES256' }, 'leaked');
      expect(anchors).toEqual([headNow()]);
      const emergency = workflow(2);
      const opened = await emergency.request(sam, 'rollover', { alg: 'ES256' }, 'leaked again');
      expect(anchors).toEqual([expect.any(String), headNow()]);
      const id = opened.kind === 'pending' ? opened.requestId : '';
      expect(await codeOf(emergency.approve(sam, id, 'me again'))).toBe('ROTOR_SAME_APPROVER');
      expect(anchors).toHaveLength(3);
      expect(anchors.at(-1)).toBe(headNow());
      await emergency.approve(sue, id, 'confirmed');
      expect(anchors).toHaveLength(4);
      expect(anchors.at(-1)).toBe(headNow());
      await emergency.request(sam, 'rollover', { alg: 'ES256' }, 'what if', true);
      expect(anchors).toHaveLength(4);
    });

    it('dry runs answer at once, even under the rule, and change nothing', async () => {
      const before = await catalog();
      const outcome = await workflow(2).request(sam, 'rollover', { alg: 'ES256' }, 'what if', true);
      expect(outcome).toMatchObject({ kind: 'dry-run', dryRun: { dryRun: true } });
      expect(await catalog()).toEqual(before);
    });
  });
});
