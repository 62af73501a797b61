import { createHmac, hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

/**
 * How bearer values (token ids, codes, session and interaction ids, user codes) are kept in the
 * database: never in the clear. A value is stored as its HMAC-SHA256 under the deployment's
 * artifact-id key, so a lookup by value hashes it first. A value Rotor must give back without
 * being handed it (a session's id when the session is found by its uid, a device code's id when
 * it is found by its user code) is sealed (JWE, AES-256-GCM) under a key derived from the same one.
 */
export class BearerValues {
  readonly #hashKey: Buffer;
  readonly #sealKey: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new RangeError(`the artifact-id key must be 32 bytes or more (got ${key.length})`);
    this.#hashKey = key;
    this.#sealKey = Buffer.from(hkdfSync('sha256', key, '', 'rotor sealed bearer values', 32));
  }

  /** What a value is stored and looked up as (base64url, 43 characters). */
  hash(value: string): string {
    return createHmac('sha256', this.#hashKey).update(value, 'utf8').digest('base64url');
  }

  /**
   * Seals values for the record `bind` names (a compact JWE, `dir` + A256GCM, as `keys/seal.ts`
   * seals under the KEK): `bind` is in the authenticated header, so they open for no other record.
   */
  async seal(values: Record<string, unknown>, bind: string): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(values)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', bnd: bind })
      .encrypt(this.#sealKey);
  }

  /** Opens what {@link seal} produced for the same record; undefined when it was altered or belongs elsewhere. */
  async open(sealed: string, bind: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { plaintext, protectedHeader } = await compactDecrypt(sealed, this.#sealKey);
      if (protectedHeader.bnd !== bind) return undefined;
      const values: unknown = JSON.parse(new TextDecoder().decode(plaintext));
      return values !== null && typeof values === 'object' && !Array.isArray(values) ? values as Record<string, unknown> : undefined;
    } catch {
      return undefined;
    }
  }
}
