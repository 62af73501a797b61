import { describe, expect, it } from '@jest/globals';
import { GENESIS, hashEvent, verifyChain, type AuditEvent, type AuditInput } from '../../../src/audit/chain.js';

function chain(inputs: AuditInput[]): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const [index, input] of inputs.entries()) {
    const base = { ...input, seq: index + 1, at: new Date(Date.UTC(2030, 0, 1, 0, 0, index)), prevHash: events.at(-1)?.hash ?? GENESIS };
    events.push({ ...base, hash: hashEvent(base) });
  }
  return events;
}

const inputs: AuditInput[] = [
  { actor: 'system:reconciler', action: 'keys.create', target: 'ES256', version: 2, outcome: 'ok' },
  { actor: 'security', action: 'keys.rollover', target: 'kid-1', reason: 'leak', version: 3, outcome: 'ok', detail: { activeKid: 'kid-2', revokedKids: ['kid-1'] } },
  { actor: 'anonymous', action: 'admin GET /admin/keys', outcome: 'refused', detail: { status: 401 } },
  { actor: 'security', action: 'keys.revoke', target: 'kid-3', reason: 'suspect host', version: 4, outcome: 'ok' },
];

describe('the audit hash chain', () => {
  it('an untouched chain verifies, every event counted', () => {
    expect(verifyChain(chain(inputs))).toEqual({ ok: true, checked: 4 });
  });

  it('an edited event is found by its hash', () => {
    const events = chain(inputs);
    events[1] = { ...events[1]!, reason: 'routine' };
    expect(verifyChain(events)).toEqual({ ok: false, checked: 1, firstBad: { seq: 2, problem: 'hash does not match the content (edited)' } });
  });

  it('an edit that also recomputes the hash breaks the link to the next event', () => {
    const events = chain(inputs);
    const { hash: _hash, ...rest } = { ...events[1]!, actor: 'someone-else' };
    events[1] = { ...rest, hash: hashEvent(rest) };
    expect(verifyChain(events).firstBad).toEqual({ seq: 3, problem: 'prevHash does not match the event before it' });
  });

  it('a deleted event leaves a gap in the sequence', () => {
    const events = chain(inputs);
    events.splice(2, 1);
    expect(verifyChain(events).firstBad?.seq).toBe(4);
    expect(verifyChain(events).firstBad?.problem).toMatch(/deleted or reordered/);
  });

  it('reordered events are found', () => {
    const events = chain(inputs);
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(verifyChain(events).ok).toBe(false);
  });

  it('the hash covers the detail, whatever the order of its fields', () => {
    const [event] = chain([inputs[1]!]);
    const reordered = { ...event!, detail: { revokedKids: ['kid-1'], activeKid: 'kid-2' } };
    expect(hashEvent(reordered)).toBe(event!.hash);
    expect(hashEvent({ ...event!, detail: { activeKid: 'kid-9', revokedKids: ['kid-1'] } })).not.toBe(event!.hash);
  });
});
