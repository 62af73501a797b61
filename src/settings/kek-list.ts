/** One entry of a KEK list and where the operator wrote it ("entry 2", "line 5"). */
export interface KekEntry {
  text: string;
  position: string;
}

const BASE64 = /^[A-Za-z0-9+/=_-]+$/;

/** The 32 bytes of an entry, or `undefined` when it is not base64 of exactly 32 bytes. */
export function kekBytes(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/**
 * What is wrong with a KEK list, in one phrase naming the position, or `undefined`: an empty
 * entry, one that is not base64 of exactly 32 bytes, a KEK given twice (also when spelt once
 * in base64 and once in base64url), or no KEK at all.
 */
export function kekListProblem(entries: readonly KekEntry[]): string | undefined {
  if (entries.length === 0) return 'holds no KEK';
  const seen = new Map<string, string>();
  for (const { text, position } of entries) {
    if (text === '') return `${position} is empty`;
    const bytes = kekBytes(text);
    if (!bytes) return `${position} must be base64 of exactly 32 bytes (e.g. \`openssl rand -base64 32\`)`;
    const earlier = seen.get(bytes.toString('hex'));
    if (earlier) return `${position} is the same KEK as ${earlier}`;
    seen.set(bytes.toString('hex'), position);
  }
  return undefined;
}

/** `KEK`'s comma-separated entries, trimmed, with their positions. */
export const envKekEntries = (value: string): KekEntry[] => value.split(',').map((text, index) => ({ text: text.trim(), position: `entry ${index + 1}` }));

/** A KEK file's entries: one per line; blank lines and `#` comments are skipped. */
export const fileKekEntries = (content: string): KekEntry[] => content.split('\n')
  .map((line, index) => ({ text: line.trim(), position: `line ${index + 1}` }))
  .filter(({ text }) => text !== '' && !text.startsWith('#'));
