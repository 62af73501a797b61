import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { GENESIS, KEYED, legacyHash, macEvent, storable, type AuditEvent, type AuditInput } from '../../../src/audit/chain.js';
import { verifyChain } from '../../../src/audit/chain-verifier.js';

const KEY = randomBytes(32);
const at = (index: number): Date => new Date(Date.UTC(2030, 0, 1, 0, 0, index));

/** A keyed chain, as the audit log writes it. */
function chain(inputs: AuditInput[], key: Uint8Array = KEY): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const [index, input] of inputs.entries()) {
    const base = { ...input, seq: index + 1, at: at(index), prevHash: events.at(-1)?.hash ?? GENESIS, scheme: KEYED } as const;
    events.push({ ...base, hash: macEvent(key, base) });
  }
  return events;
}

/** Events as an older version wrote them: plain SHA-256, no scheme; `after` continues a chain. */
function unkeyed(inputs: AuditInput[], after: AuditEvent[] = []): AuditEvent[] {
  const events = [...after];
  for (const input of inputs) {
    const base = { ...input, seq: events.length + 1, at: at(events.length), prevHash: events.at(-1)?.hash ?? GENESIS };
    events.push({ ...base, hash: legacyHash(base) });
  }
  return events.slice(after.length);
}

/** Whoever can write to the database but has no key: edits and recomputes plain hashes from `from` on. */
function rewrittenWithoutKey(events: AuditEvent[], from: number, edit: (event: AuditEvent) => AuditEvent): AuditEvent[] {
  const out = events.slice(0, from);
  for (const original of events.slice(from)) {
    const { hash: _hash, scheme: _scheme, ...rest } = out.length === from ? edit(original) : original;
    const base = { ...rest, prevHash: out.at(-1)?.hash ?? GENESIS };
    out.push({ ...base, hash: legacyHash(base) });
  }
  return out;
}

const inputs: AuditInput[] = [
  { actor: 'system:reconciler', action: 'keys.create', target: 'ES256', version: 2, outcome: 'ok' },
  { actor: 'security', action: 'keys.rollover', target: 'kid-1', reason: 'leak', version: 3, outcome: 'ok', detail: { activeKid: 'kid-2', revokedKids: ['kid-1'] } },
  { actor: 'client:reader', action: 'admin POST /admin/keys/rollover', outcome: 'refused', detail: { status: 403 } },
  { actor: 'security', action: 'keys.revoke', target: 'kid-3', reason: 'suspect host', version: 4, outcome: 'ok' },
];

describe('the keyed audit chain', () => {
  it('an untouched chain verifies, every event counted', () => {
    expect(verifyChain(KEY, chain(inputs))).toEqual({ ok: true, checked: 4 });
  });

  it('an edited event is found by its hash', () => {
    const events = chain(inputs);
    events[1] = { ...events[1]!, reason: 'routine' };
    expect(verifyChain(KEY, events)).toEqual({
      ok: false, checked: 4,
      firstBad: { seq: 2, problem: expect.stringMatching(/^hash does not match the content \(edited/) },
      bad: [{ seq: 2, problem: expect.stringMatching(/^hash does not match/) }],
    });
  });

  it('an edit with the plain SHA-256 hashes recomputed over it and every later event is found', () => {
    const events = rewrittenWithoutKey(chain(inputs), 1, (event) => ({ ...event, reason: 'routine' }));
    const result = verifyChain(KEY, events);
    expect(result.ok).toBe(false);
    expect(result.firstBad).toEqual({ seq: 2, problem: expect.stringMatching(/unkeyed event after keyed ones/) });
  });

  it('a whole chain rewritten as plain SHA-256 (no keyed event left) is found', () => {
    const events = rewrittenWithoutKey(chain(inputs), 0, (event) => ({ ...event, actor: 'someone-else' }));
    expect(verifyChain(KEY, events)).toMatchObject({ ok: false, firstBad: { seq: 4, problem: expect.stringMatching(/newest event is not keyed/) } });
  });

  it('an edit re-signed under another key is found', () => {
    const events = chain(inputs);
    const { hash: _hash, ...rest } = { ...events[1]!, actor: 'someone-else' };
    events[1] = { ...rest, hash: macEvent(randomBytes(32), rest) };
    expect(verifyChain(KEY, events).firstBad?.seq).toBe(2);
  });

  it('a chain made under another deployment\'s key does not verify', () => {
    expect(verifyChain(KEY, chain(inputs, randomBytes(32))).ok).toBe(false);
  });

  it('a deleted event leaves a gap in the sequence', () => {
    const events = chain(inputs);
    events.splice(2, 1);
    expect(verifyChain(KEY, events).firstBad?.seq).toBe(4);
    expect(verifyChain(KEY, events).firstBad?.problem).toMatch(/deleted or reordered/);
  });

  it('reordered events are found', () => {
    const events = chain(inputs);
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(verifyChain(KEY, events).ok).toBe(false);
  });

  it('reordered events with their sequence numbers swapped back are found by their hashes', () => {
    const events = chain(inputs);
    const [second, third] = [events[1]!, events[2]!];
    events[1] = { ...third, seq: 2 };
    events[2] = { ...second, seq: 3 };
    expect(verifyChain(KEY, events)).toMatchObject({ ok: false, firstBad: { seq: 2 } });
  });

  it('reports every bad event, not only the first', () => {
    const events = chain(inputs);
    events[0] = { ...events[0]!, target: 'RS256' };
    events[3] = { ...events[3]!, reason: 'routine' };
    expect(verifyChain(KEY, events).bad?.map((bad) => bad.seq)).toEqual([1, 4]);
  });

  it('the hash covers the detail, whatever the order of its fields', () => {
    const [event] = chain([inputs[1]!]);
    const reordered = { ...event!, detail: { revokedKids: ['kid-1'], activeKid: 'kid-2' } };
    expect(macEvent(KEY, reordered)).toBe(event!.hash);
    expect(macEvent(KEY, { ...event!, detail: { activeKid: 'kid-9', revokedKids: ['kid-1'] } })).not.toBe(event!.hash);
  });

  it('a reason with a lone UTF-16 surrogate hashes as the database stores it (U+FFFD)', () => {
    const [event] = chain([storable({ actor: 'client:ops', action: 'keys.rotate', reason: 'x \ud800 y', outcome: 'refused', detail: { note: '\udc00' } })]);
    expect(event!.reason).toBe('x \ufffd y');
    const asStored = { ...event!, reason: 'x \ufffd y', detail: { note: '\ufffd' } };
    expect(verifyChain(KEY, [asStored])).toEqual({ ok: true, checked: 1 });
  });
});

describe('events written before the chain was keyed', () => {
  it('unkeyed events followed by keyed ones verify: the first keyed event vouches for them', () => {
    const old = unkeyed(inputs.slice(0, 2));
    const base = { ...inputs[2]!, seq: 3, at: at(2), prevHash: old.at(-1)!.hash, scheme: KEYED } as const;
    expect(verifyChain(KEY, [...old, { ...base, hash: macEvent(KEY, base) }])).toEqual({ ok: true, checked: 3 });
  });

  it('an unkeyed event edited with its plain hash recomputed breaks the link of the first keyed event', () => {
    const old = unkeyed(inputs.slice(0, 2));
    const base = { ...inputs[2]!, seq: 3, at: at(2), prevHash: old.at(-1)!.hash, scheme: KEYED } as const;
    const { hash: _hash, ...edited } = { ...old[1]!, reason: 'routine' };
    const events = [old[0]!, { ...edited, hash: legacyHash(edited) }, { ...base, hash: macEvent(KEY, base) }];
    expect(verifyChain(KEY, events).firstBad).toEqual({ seq: 3, problem: expect.stringMatching(/prevHash does not match/) });
  });

  it('an unkeyed chain with no keyed event after it does not verify', () => {
    expect(verifyChain(KEY, unkeyed(inputs))).toMatchObject({ ok: false, checked: 4, firstBad: { seq: 4, problem: expect.stringMatching(/not keyed/) } });
  });

  it('an unkeyed event after keyed ones is refused even with a right plain hash', () => {
    const keyed = chain(inputs.slice(0, 3));
    const events = [...keyed, ...unkeyed([inputs[3]!], keyed)];
    expect(verifyChain(KEY, events).firstBad).toEqual({ seq: 4, problem: expect.stringMatching(/unkeyed event after keyed ones/) });
  });
});
