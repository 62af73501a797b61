import { describe, expect, it } from '@jest/globals';
import { hashPassword, needsRehash, verifyPassword } from '../../../src/store/password-hash.js';

describe('password hashes', () => {
  it('the right password verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
  });

  it('a wrong password does not', async () => {
    const stored = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('correct horse battery stapl', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('are scrypt, with the parameters stored beside the hash, and never contain the password', async () => {
    const stored = await hashPassword('hunter2');
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[\w-]+\$[\w-]{43}$/);
    expect(stored).not.toContain('hunter2');
  });

  it('two hashes of the same password differ (random salt), and both verify', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    await expect(verifyPassword('same password', a)).resolves.toBe(true);
    await expect(verifyPassword('same password', b)).resolves.toBe(true);
  });

  it('non-ASCII passwords verify exactly', async () => {
    const stored = await hashPassword('pässwörd-密码');
    await expect(verifyPassword('pässwörd-密码', stored)).resolves.toBe(true);
    await expect(verifyPassword('passwörd-密码', stored)).resolves.toBe(false);
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'hunter2'],
    ['another scheme', 'bcrypt$10$abcdefghijklmnopqrstuv$abcdefghijklmnopqrstuvwxyz01234'],
    ['a hash without salt', 'scrypt$16384$8$1$$aGFzaGhhc2hoYXNo'],
    ['a hash without hash', 'scrypt$16384$8$1$c2FsdHNhbHQ$'],
    ['a hash that decodes to nothing', 'scrypt$16384$8$1$c2FsdHNhbHQ$!!!!'],
    ['a truncated hash of one byte', 'scrypt$16384$8$1$c2FsdHNhbHQ$AA'],
    ['non-numeric parameters', 'scrypt$lots$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhh'],
    ['impossible parameters', 'scrypt$3$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhh'],
  ])('a garbage stored hash (%s) never verifies, and does not throw', async (_what, stored) => {
    await expect(verifyPassword('anything', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('a hash made with weaker parameters is due for a rehash; a fresh one is not', async () => {
    const weak = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$';
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('fresh password'))).toBe(false);
  });
});
