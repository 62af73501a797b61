import { createHash } from 'node:crypto';
import { SealError } from './seal-error.js';

/** A key-encryption key: 32 bytes, with a short public id so a missing KEK is named, not guessed. */
export interface Kek {
  id: string;
  key: Uint8Array;
}

/**
 * The KEKs one instance holds, in the operator's order (`KEK` / `KEK_FILE`): the first seals
 * everything sealed from now on, every one opens what was sealed under it (Hydra's scheme).
 * Rotating is putting a new KEK first; `rotor kek rewrap` then moves every sealed value under
 * it, after which the others may go.
 */
export interface Keyring {
  sealing: Kek;
  all: readonly Kek[];
}

export class KeyringError extends Error {
  readonly code = 'ROTOR_KEYRING';
}

/** Builds a KEK from its 32 raw bytes. */
export function kekFromBytes(bytes: Uint8Array): Kek {
  if (bytes.length !== 32) throw new SealError(`the KEK must be 32 bytes (got ${bytes.length})`);
  const id = createHash('sha256').update(bytes).digest('base64url').slice(0, 8);
  return { id, key: bytes };
}

/** The keyring of these KEKs, the first sealing; refuses an empty list and a KEK given twice. */
export function keyringOf(keks: readonly Kek[]): Keyring {
  const [sealing] = keks;
  if (!sealing) throw new KeyringError('no KEK given');
  const seen = new Set<string>();
  for (const [index, kek] of keks.entries()) {
    if (seen.has(kek.id)) throw new KeyringError(`KEK ${index + 1} (${kek.id}) is given twice`);
    seen.add(kek.id);
  }
  return { sealing, all: [...keks] };
}

/** The KEK of this id, if the keyring holds it. */
export function kekById(keyring: Keyring, id: string): Kek | undefined {
  return keyring.all.find((kek) => kek.id === id);
}
