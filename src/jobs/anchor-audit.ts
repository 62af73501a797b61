import type Queue from 'bull';

export const ANCHOR_AUDIT_JOB = 'anchor-audit';

/**
 * Anchors the audit chain's head every `audit.anchorInterval`: on whichever instance takes the
 * job, to that instance's JSON log and anchor file. The anchorer skips a head it has anchored
 * already, and never throws (a failed write is logged as an error there).
 */
export function processAnchorAudit(queue: Queue.Queue, anchor: (why: string) => Promise<{ seq: number } | undefined>): void {
  void queue.process(ANCHOR_AUDIT_JOB, 1, async () => {
    const written = await anchor('schedule');
    return { anchoredSeq: written?.seq ?? null };
  });
}
