import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * How bearer values (token ids, codes, session and interaction ids, user codes) are kept in the
 * database: never in the clear. A value is stored as its HMAC-SHA256 under the deployment's
 * artifact-id key, so a lookup by value hashes it first. A value Rotor must give back without
 * being handed it (a session's id when the session is found by its uid, a device code's id when
 * it is found by its user code) is sealed with AES-256-GCM under a key derived from the same one.
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

  /** Seals values for the record `bind` names: they open only for that record. */
  seal(values: Record<string, unknown>, bind: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(bind, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Opens what {@link seal} produced for the same record; undefined when it was altered or belongs elsewhere. */
  open(sealed: string, bind: string): Record<string, unknown> | undefined {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES }).setAAD(Buffer.from(bind, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const values: unknown = JSON.parse(text);
      return values !== null && typeof values === 'object' && !Array.isArray(values) ? values as Record<string, unknown> : undefined;
    } catch {
      return undefined;
    }
  }
}
