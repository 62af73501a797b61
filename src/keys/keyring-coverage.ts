import { sealedUnder } from './seal.js';
import type { Keyring } from './keyring.js';

/** One value stored sealed under a KEK, named for an operator. */
export interface SealedValue {
  kind: 'root secret' | 'catalog key' | 'client secret';
  /** The catalog key (`ES256 <kid>`) or client id; unused for the root secret. */
  name: string;
  sealed: string;
}

export class KekMissingError extends Error {
  readonly code = 'ROTOR_KEK_MISSING';
}

const SHOWN = 3;

function names(list: readonly SealedValue[]): string {
  const shown = list.slice(0, SHOWN).map((value) => value.name).join(', ');
  return list.length > SHOWN ? `${shown} and ${list.length - SHOWN} more` : shown;
}

function listing(values: readonly SealedValue[]): string {
  const of = (kind: SealedValue['kind']) => values.filter((value) => value.kind === kind);
  const keys = of('catalog key');
  const clients = of('client secret');
  const parts = [
    ...of('root secret').map(() => 'the root secret'),
    ...(keys.length === 0 ? [] : [keys.length === 1 ? `catalog key ${names(keys)}` : `${keys.length} catalog keys (${names(keys)})`]),
    ...(clients.length === 0 ? [] : [clients.length === 1 ? `the client secret of ${names(clients)}` : `${clients.length} client secrets (${names(clients)})`]),
  ];
  const listed = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}` : parts[0]!;
  return `${listed} ${values.length === 1 ? 'is' : 'are'}`;
}

/**
 * Checks, from their protected headers alone (nothing is opened), that the keyring holds the
 * KEK of every sealed value. Throws one line naming, per missing KEK, what it alone can open.
 */
export function checkKeyringCovers(values: readonly SealedValue[], keyring: Keyring): void {
  const held = new Set(keyring.all.map((kek) => kek.id));
  const missing = new Map<string, SealedValue[]>();
  for (const value of values) {
    const id = sealedUnder(value.sealed) ?? 'unknown';
    if (!held.has(id)) missing.set(id, [...(missing.get(id) ?? []), value]);
  }
  if (missing.size === 0) return;
  const lines = [...missing].map(([id, list]) => `${listing(list)} sealed under KEK ${id}, which is not in KEK/KEK_FILE`);
  const which = missing.size === 1 ? 'that KEK' : 'those KEKs';
  throw new KekMissingError(`${lines.join('; ')}: give ${which} back (after the first) and run \`rotor kek rewrap\` before removing ${missing.size === 1 ? 'it' : 'them'}`);
}
