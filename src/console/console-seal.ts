import { createHmac, hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

const derive = (key: Uint8Array, salt: string, info: string): Buffer => Buffer.from(hkdfSync('sha256', key, salt, info, 32));

async function sealJson(key: Uint8Array, use: string, values: unknown): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(values)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', use })
    .encrypt(key);
}

async function openJson(key: Uint8Array, use: string, sealed: string): Promise<unknown> {
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(sealed, key);
    return protectedHeader.use === use ? JSON.parse(new TextDecoder().decode(plaintext)) as unknown : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The console's cryptography, every key derived (HKDF-SHA256) from the deployment's console
 * key (itself derived from the root secret), every seal a compact JWE (`dir`, A256GCM).
 * - A session is stored under an HMAC of its cookie's id, and sealed under a key derived from
 *   that id too: what Redis holds opens for no one without the browser's cookie.
 * - A sign-in under way travels in its own sealed cookie, so an anonymous visit stores nothing.
 */
export class ConsoleSeal {
  readonly #recordIds: Buffer;
  readonly #sessions: Buffer;
  readonly #signIns: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new RangeError(`the console key must be 32 bytes or more (got ${key.length})`);
    this.#recordIds = derive(key, '', 'rotor console record ids');
    this.#sessions = derive(key, '', 'rotor console sessions');
    this.#signIns = derive(key, '', 'rotor console sign-ins');
  }

  /** What a session is stored as in Redis: an HMAC of its id (base64url). */
  recordId(sessionId: string): string {
    return createHmac('sha256', this.#recordIds).update(sessionId, 'utf8').digest('base64url');
  }

  /** Seals a session's values under the key of its id. */
  sealSession(values: unknown, sessionId: string): Promise<string> {
    return sealJson(this.#sessionKey(sessionId), 'console session', values);
  }

  /** The values {@link sealSession} sealed for the same id; undefined when altered or another's. */
  openSession(sealed: string, sessionId: string): Promise<unknown> {
    return openJson(this.#sessionKey(sessionId), 'console session', sealed);
  }

  sealSignIn(values: unknown): Promise<string> {
    return sealJson(this.#signIns, 'console sign-in', values);
  }

  /** The values {@link sealSignIn} sealed; undefined when the cookie was altered. */
  openSignIn(sealed: string): Promise<unknown> {
    return openJson(this.#signIns, 'console sign-in', sealed);
  }

  #sessionKey(sessionId: string): Buffer {
    return derive(this.#sessions, sessionId, 'rotor console session');
  }
}
