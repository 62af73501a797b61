import type { Logger } from '../logging/create-logger.js';
import type { ChainHead } from './chain.js';
import { signAnchor, type Anchor } from './anchor.js';
import { appendAnchor } from './anchor-file.js';

/** Exports the chain's head outside MongoDB. */
export interface Anchorer {
  /**
   * Signs the head and writes it to the JSON log and the anchor file; does nothing when the
   * head has not moved since this process last anchored it. Never throws: a failure is logged.
   * `why` says what asked for it (`schedule`, `emergency`), for the log.
   */
  anchor(why: string): Promise<Anchor | undefined>;
}

export interface AnchorerDeps {
  head(): Promise<ChainHead | undefined>;
  /** The deployment's anchor key (`store.secrets.auditAnchors`). */
  key: Uint8Array;
  /** `audit.anchorFile`. */
  file: string;
  logger: Logger;
  now(): Date;
}

/**
 * Anchors the audit chain: the signed head `{seq, hash, at, sig}` goes to the JSON log first
 * (the SIEM's copy) and then, as one line, to the append-only anchor file on this host. Anchors
 * of one process are made one at a time, so two asked for at once write one line.
 */
export function createAnchorer(deps: AnchorerDeps): Anchorer {
  let last: ChainHead | undefined;
  let tail: Promise<unknown> = Promise.resolve();

  async function anchorNow(why: string): Promise<Anchor | undefined> {
    try {
      const head = await deps.head();
      if (!head || (last && last.seq === head.seq && last.hash === head.hash)) return undefined;
      const anchor = signAnchor(deps.key, head, deps.now());
      deps.logger.info('audit anchor', { seq: anchor.seq, hash: anchor.hash, at: anchor.at, sig: anchor.sig, why });
      await appendAnchor(deps.file, anchor);
      last = head;
      return anchor;
    } catch (err) {
      deps.logger.error('audit anchor could not be written', { file: deps.file, why, error: (err as Error).message });
      return undefined;
    }
  }

  return {
    anchor(why) {
      const run = tail.then(() => anchorNow(why));
      tail = run;
      return run;
    },
  };
}
