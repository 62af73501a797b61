import type { ChainHead } from './chain.js';
import { MAX_BAD, type ChainCheck } from './chain-verifier.js';
import type { AnchorReading } from './anchor-file.js';

/**
 * The answer of `rotor audit verify` and `GET /admin/audit/verify`: the chain's check, the
 * newest anchor held against it (`anchor.ok`: the chain still reaches it with the same hash), and
 * in `problem` what is wrong, in words, whenever `ok` is false.
 */
export interface AuditVerdict extends ChainCheck {
  anchor?: { seq: number; ok: boolean };
  problem?: string;
}

/** What the walk saw of the chain besides its check. */
export interface ChainSeen {
  head: ChainHead | undefined;
  /** The stored hash of the event at the newest anchor's `seq`, if there is one. */
  watched: string | undefined;
}

function chainProblem(check: ChainCheck): string | undefined {
  if (!check.firstBad) return undefined;
  const more = (check.bad?.length ?? 1) - 1;
  return `event ${check.firstBad.seq}: ${check.firstBad.problem}${more > 0 ? ` (and ${more}${check.bad!.length >= MAX_BAD ? '+' : ''} more bad events)` : ''}`;
}

function anchorProblem(seen: ChainSeen, anchors: AnchorReading): string | undefined {
  const anchor = anchors.newest!;
  const by = `the anchor of ${anchor.at} (${anchors.file})`;
  if (!seen.head) return `the audit log is empty, but ${by} vouches for ${anchor.seq} events: every event was deleted`;
  if (seen.head.seq < anchor.seq) return `the chain ends at event ${seen.head.seq}, but ${by} vouches for events up to ${anchor.seq}: events were deleted from its end`;
  if (seen.watched === undefined) return `event ${anchor.seq}, which ${by} vouches for, is missing from the chain`;
  if (seen.watched !== anchor.hash) return `event ${anchor.seq} does not have the hash ${by} recorded for it: the chain was rewritten`;
  return undefined;
}

/** Puts the chain's check and the anchors together into one verdict. */
export function judge(check: ChainCheck, seen: ChainSeen, anchors?: AnchorReading): AuditVerdict {
  const problems = [chainProblem(check)];
  let anchor: AuditVerdict['anchor'];
  if (anchors?.newest) {
    const problem = anchorProblem(seen, anchors);
    anchor = { seq: anchors.newest.seq, ok: problem === undefined };
    problems.push(problem);
  }
  problems.push(...(anchors?.problems ?? []));
  const found = problems.filter((problem): problem is string => problem !== undefined);
  return {
    ...check,
    ok: check.ok && found.length === 0,
    ...(anchor ? { anchor } : {}),
    ...(found.length > 0 ? { problem: found.join('; ') } : {}),
  };
}
