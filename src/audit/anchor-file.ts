import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { anchorLine, anchorSigned, type Anchor } from './anchor.js';

/** What an anchor file holds: its newest anchor that verifies, and what was wrong with the rest. */
export interface AnchorReading {
  /** The file read, for messages. */
  file: string;
  /** The anchor with the highest `seq` whose signature verifies (the later line on a tie). */
  newest?: Anchor | undefined;
  /** Lines that are not anchors signed under this deployment's key. */
  problems: string[];
}

/** The anchor file cannot be read (other than: it does not exist yet). */
export class AnchorFileError extends Error {
  readonly code = 'ROTOR_ANCHOR_FILE';
}

/** Problems listed at most, so a file of garbage gives a readable answer. */
const MAX_PROBLEMS = 5;

/**
 * Appends one anchor as a JSON line, creating the file (mode 0600) and its directory (0700)
 * where needed. Appending is one `write` of the whole line on a file opened for append, so
 * processes sharing the file never interleave lines; it is flushed to disk before this resolves.
 */
export async function appendAnchor(file: string, anchor: Anchor): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(`${JSON.stringify({ seq: anchor.seq, hash: anchor.hash, at: anchor.at, sig: anchor.sig })}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

function parseLine(text: string): Anchor | undefined {
  try {
    const parsed = anchorLine.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads an anchor file and checks every line's signature under `key`. A file that does not
 * exist holds no anchors, unless `required` (the operator named it): then it is an error.
 */
export async function readAnchors(file: string, key: Uint8Array, required = false): Promise<AnchorReading> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT' && !required) return { file, problems: [] };
    throw new AnchorFileError(`cannot read the anchor file ${file} (${code})`);
  }
  const reading: AnchorReading = { file, problems: [] };
  let unsigned = 0;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const anchor = parseLine(line);
    if (anchor && anchorSigned(key, anchor)) {
      if (!reading.newest || anchor.seq >= reading.newest.seq) reading.newest = anchor;
      continue;
    }
    if (++unsigned <= MAX_PROBLEMS) reading.problems.push(`line ${index + 1} of ${file} is ${anchor ? 'an anchor whose signature does not verify (forged, or signed under another deployment\'s key)' : 'not an anchor'}`);
  }
  if (unsigned > MAX_PROBLEMS) reading.problems.push(`${unsigned - MAX_PROBLEMS} more bad lines in ${file}`);
  return reading;
}
