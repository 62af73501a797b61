import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { base64url, calculateJwkThumbprint, compactVerify, CompactSign, importJWK } from 'jose';
import { generateKey } from '../../../src/keys/generate-key.js';
import { kekFromBytes, keyringOf, reseal, seal, sealedUnder, SealError, sealJwk, unseal, unsealJwk, type Kek } from '../../../src/keys/seal.js';
import { KeyringError } from '../../../src/keys/keyring.js';
import type { Algorithm } from '../../../src/keys/algorithms.js';

/** A keyring of one KEK, carrying that KEK's id for the assertions. */
const ringOf = (kek: Kek) => ({ ...keyringOf([kek]), id: kek.id });
const newKek = () => ringOf(kekFromBytes(randomBytes(32)));

/** Rewrites one base64url segment of a compact JWE. */
function withSegment(jwe: string, index: number, change: (bytes: Uint8Array) => Uint8Array): string {
  const parts = jwe.split('.');
  parts[index] = base64url.encode(change(base64url.decode(parts[index]!)));
  return parts.join('.');
}

/** Rejects with a SealError whose message matches every fragment. */
async function expectRefused(promise: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const error: unknown = await promise.then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(SealError);
  expect((error as SealError).code).toBe('ROTOR_UNSEAL_FAILED');
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe('sealing secrets under the KEK', () => {
  it('a sealed secret opens again with the same KEK and binding', async () => {
    const kek = newKek();
    const sealed = await seal('the secret', kek, 'key:abc');
    expect(sealed).not.toContain('the secret');
    expect(sealed.split('.')).toHaveLength(5);
    await expect(unseal(sealed, kek, 'key:abc')).resolves.toBe('the secret');
  });

  it('sealing the same secret twice gives different ciphertexts', async () => {
    const kek = newKek();
    expect(await seal('same', kek, 'b')).not.toBe(await seal('same', kek, 'b'));
  });

  it('the KEK id is stable for the same bytes and differs between KEKs', () => {
    const bytes = randomBytes(32);
    expect(kekFromBytes(bytes).id).toBe(kekFromBytes(Buffer.from(bytes)).id);
    expect(kekFromBytes(bytes).id).not.toBe(newKek().id);
  });

  it('a KEK of the wrong length is refused', () => {
    expect(() => kekFromBytes(randomBytes(16))).toThrow(SealError);
  });

  it('a different KEK is refused with an error naming both KEK ids', async () => {
    const right = newKek();
    const wrong = newKek();
    const sealed = await seal('s', right, 'key:abc');
    await expectRefused(unseal(sealed, wrong, 'key:abc'), right.id, wrong.id);
  });

  it('a different KEK that claims the right id still cannot open it', async () => {
    const right = newKek();
    const impostor = ringOf({ id: right.id, key: randomBytes(32) });
    await expectRefused(unseal(await seal('s', right, 'key:abc'), impostor, 'key:abc'), 'key:abc');
  });

  it('a sealed value moved to another record is refused', async () => {
    const kek = newKek();
    const sealed = await seal('s', kek, 'key:abc');
    await expectRefused(unseal(sealed, kek, 'key:xyz'), 'key:abc', 'key:xyz');
  });

  it('rewriting the binding in the header to match the new record is detected', async () => {
    const kek = newKek();
    const sealed = await seal('s', kek, 'key:abc');
    const moved = withSegment(sealed, 0, (bytes) => {
      const header = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      return new TextEncoder().encode(JSON.stringify({ ...header, bnd: 'key:xyz' }));
    });
    await expectRefused(unseal(moved, kek, 'key:xyz'));
  });

  it('a tampered ciphertext is refused', async () => {
    const kek = newKek();
    const sealed = await seal('a secret long enough to flip a byte in', kek, 'key:abc');
    const tampered = withSegment(sealed, 3, (bytes) => {
      const copy = Uint8Array.from(bytes);
      copy[5]! ^= 0x01;
      return copy;
    });
    expect(tampered).not.toBe(sealed);
    await expectRefused(unseal(tampered, kek, 'key:abc'), 'key:abc', kek.id);
  });

  it('a private JWK sealed for one kid does not open for another', async () => {
    const kek = newKek();
    const sealed = await sealJwk({ kty: 'oct', k: 'AAAA' }, kek, 'kid-1');
    await expect(unsealJwk(sealed, kek, 'kid-1')).resolves.toEqual({ kty: 'oct', k: 'AAAA' });
    await expectRefused(unsealJwk(sealed, kek, 'kid-2'));
  });
});

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const schedule = {
  state: 'pending' as const,
  createdAt: new Date('2030-01-01T00:00:00Z'),
  activatesAt: new Date('2030-01-03T00:00:00Z'),
  retiresAt: new Date('2030-02-02T00:00:00Z'),
  removesAt: new Date('2030-02-03T00:00:00Z'),
};

describe('generating a signing key', () => {
  const kek = newKek();

  it.each<Algorithm>(['RS256', 'PS256', 'ES256', 'EdDSA'])('%s: the public JWK holds no private member and the sealed part opens to a key that signs', async (alg) => {
    const record = await generateKey(alg, schedule, kek);

    expect(record).toMatchObject({ alg, ...schedule });
    expect(record.publicJwk).toMatchObject({ kid: record.kid, alg, use: 'sig' });
    for (const member of PRIVATE_MEMBERS) expect(record.publicJwk).not.toHaveProperty(member);
    expect(record.kid).toBe(await calculateJwkThumbprint(record.publicJwk));
    expect(record.sealedPrivateJwk).not.toContain('"d"');

    const privateJwk = await unsealJwk(record.sealedPrivateJwk!, kek, record.kid);
    expect(typeof privateJwk.d).toBe('string');
    expect(privateJwk).toMatchObject({ kid: record.kid, alg });

    // what the private part signs, the published part verifies
    const jws = await new CompactSign(new TextEncoder().encode('hello'))
      .setProtectedHeader({ alg, kid: record.kid })
      .sign(await importJWK(privateJwk, alg));
    const { payload } = await compactVerify(jws, await importJWK(record.publicJwk, alg));
    expect(new TextDecoder().decode(payload)).toBe('hello');
  });

  it('two generated keys get different kids', async () => {
    const [a, b] = await Promise.all([generateKey('ES256', schedule, kek), generateKey('ES256', schedule, kek)]);
    expect(a.kid).not.toBe(b.kid);
  });

  it('a generated private key cannot be opened with another KEK', async () => {
    const record = await generateKey('EdDSA', schedule, kek);
    const other = newKek();
    await expectRefused(unsealJwk(record.sealedPrivateJwk!, other, record.kid), kek.id, other.id);
  });
});

describe('a keyring of several KEKs: the first seals, every one opens', () => {
  const [a, b, c] = [kekFromBytes(randomBytes(32)), kekFromBytes(randomBytes(32)), kekFromBytes(randomBytes(32))];

  it('a value sealed under the old KEK still opens once a new KEK is put first', async () => {
    const sealed = await seal('the secret', keyringOf([a]), 'client:svc');
    await expect(unseal(sealed, keyringOf([b, a]), 'client:svc')).resolves.toBe('the secret');
  });

  it('new values are sealed under the first KEK, named in the header', async () => {
    const sealed = await seal('s', keyringOf([b, a]), 'client:svc');
    expect(sealedUnder(sealed)).toBe(b.id);
    await expect(unseal(sealed, keyringOf([b]), 'client:svc')).resolves.toBe('s');
    await expectRefused(unseal(sealed, keyringOf([a]), 'client:svc'), b.id, 'not in KEK/KEK_FILE');
  });

  it('a value sealed under a KEK the keyring lacks is refused in one line naming that KEK', async () => {
    const sealed = await seal('s', keyringOf([a]), 'key:abc');
    const error = await unseal(sealed, keyringOf([b, c]), 'key:abc').then(() => undefined, (err: unknown) => err as Error);
    expect(error).toBeInstanceOf(SealError);
    expect(error!.message).toContain(`sealed under KEK ${a.id}, which is not in KEK/KEK_FILE`);
    expect(error!.message).not.toContain('\n');
  });

  it('resealing moves a value under the first KEK, and leaves one already there alone', async () => {
    const old = await seal('s', keyringOf([a]), 'key:abc');
    const moved = await reseal(old, keyringOf([b, a]), 'key:abc');
    expect(sealedUnder(moved!)).toBe(b.id);
    await expect(unseal(moved!, keyringOf([b]), 'key:abc')).resolves.toBe('s');
    await expect(reseal(moved!, keyringOf([b, a]), 'key:abc')).resolves.toBeUndefined();
  });

  it('resealing still checks the binding: a value moved to another record is not laundered', async () => {
    const old = await seal('s', keyringOf([a]), 'client:one');
    await expectRefused(reseal(old, keyringOf([b, a]), 'client:two'), 'client:one', 'client:two');
  });

  it('the KEK id of a sealed value is read without opening it; anything else has none', () => {
    expect(sealedUnder('not a sealed value')).toBeUndefined();
  });

  it('an empty keyring and a KEK given twice are refused', () => {
    expect(() => keyringOf([])).toThrow(KeyringError);
    expect(() => keyringOf([a, b, kekFromBytes(Buffer.from(a.key))])).toThrow(/KEK 3 .* given twice/);
  });
});
