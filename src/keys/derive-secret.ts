import { hkdfSync } from 'node:crypto';
import type { Kek } from './seal.js';

/**
 * Derives a purpose-bound secret from the KEK (HKDF-SHA256), so every instance of a
 * deployment computes the same cookie and CSRF keys without storing them anywhere.
 */
export function deriveSecret(kek: Kek, purpose: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', kek.key, 'rotor', purpose, length));
}
