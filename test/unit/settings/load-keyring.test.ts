import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../../../src/settings/load-settings.js';
import { loadKeyring } from '../../../src/settings/load-keyring.js';
import { SettingsError } from '../../../src/settings/settings-error.js';
import { kekFromBytes } from '../../../src/keys/seal.js';

const REAL_DEFAULTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../config/default.json');
const [A, B, C] = [randomBytes(32), randomBytes(32), randomBytes(32)];
const b64 = (bytes: Buffer) => bytes.toString('base64');
const idOf = (bytes: Buffer) => kekFromBytes(bytes).id;

let root: string;
let files = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rotor-keyring-'));
  mkdirSync(join(root, 'config'));
  copyFileSync(REAL_DEFAULTS, join(root, 'config/default.json'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a KEK file with this content and mode; returns its path. */
function kekFile(content: string, mode = 0o600): string {
  const file = join(root, `kek-${++files}`);
  writeFileSync(file, content, { mode });
  return file;
}

/** The keyring as an instance would load it from this environment. */
const keyringFrom = (env: Record<string, string>) => loadKeyring(loadSettings(root, env));

/** Refused in one line naming the variable or file and the position, never echoing a KEK. */
function expectRefused(load: () => unknown, ...mentions: string[]): void {
  let caught: unknown;
  try {
    load();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SettingsError);
  const { message } = caught as SettingsError;
  expect(message).not.toMatch(/[\r\n]/);
  for (const secret of [A, B, C]) expect(message).not.toContain(b64(secret));
  for (const mention of mentions) expect(message).toContain(mention);
}

describe('KEK: a comma-separated list, the first sealing', () => {
  it('holds the KEKs in the order given; the first seals, every one opens', () => {
    const { keyring, created } = keyringFrom({ KEK: `${b64(B)}, ${b64(A)}` });
    expect(created).toBe(false);
    expect(keyring.sealing.id).toBe(idOf(B));
    expect(keyring.all.map((kek) => kek.id)).toEqual([idOf(B), idOf(A)]);
  });

  it('one KEK is a list of one', () => {
    expect(keyringFrom({ KEK: b64(A) }).keyring.all.map((kek) => kek.id)).toEqual([idOf(A)]);
  });

  it('an empty entry is refused naming its position', () => {
    expectRefused(() => loadSettings(root, { KEK: `${b64(B)},,${b64(A)}` }), 'env KEK', 'entry 2 is empty');
    expectRefused(() => loadSettings(root, { KEK: `${b64(B)},` }), 'env KEK', 'entry 2 is empty');
  });

  it('an entry that is not base64 of 32 bytes is refused naming its position, without echoing the variable', () => {
    expectRefused(() => loadSettings(root, { KEK: `${b64(A)},${b64(randomBytes(16))}` }), 'env KEK', 'entry 2 must be base64 of exactly 32 bytes');
    expectRefused(() => loadSettings(root, { KEK: `${b64(A)},${b64(B)},not*base64` }), 'env KEK', 'entry 3 must be base64');
  });

  it('the same KEK given twice is refused, also when spelt once in base64url', () => {
    expectRefused(() => loadSettings(root, { KEK: `${b64(A)},${b64(B)},${b64(A)}` }), 'env KEK', 'entry 3 is the same KEK as entry 1');
    expectRefused(() => loadSettings(root, { KEK: `${b64(A)},${A.toString('base64url')}` }), 'entry 2 is the same KEK as entry 1');
  });

  it('wins over KEK_FILE, which is then not even read', () => {
    const broken = kekFile('not a key\n');
    expect(keyringFrom({ KEK: b64(C), KEK_FILE: broken }).keyring.sealing.id).toBe(idOf(C));
  });
});

describe('KEK_FILE: one KEK per line, the first sealing', () => {
  it('skips blank lines and # comments and keeps the order', () => {
    const file = kekFile(`# rotated 2030-01-01: C is new\n${b64(C)}\n\n  # the old one, until rewrap\n${b64(A)}\n`);
    const { keyring } = keyringFrom({ KEK_FILE: file });
    expect(keyring.all.map((kek) => kek.id)).toEqual([idOf(C), idOf(A)]);
    expect(keyring.sealing.id).toBe(idOf(C));
  });

  it('a bad line is refused naming the file and the line', () => {
    const file = kekFile(`# comment\n${b64(A)}\n${b64(randomBytes(31))}\n`);
    expectRefused(() => keyringFrom({ KEK_FILE: file }), `KEK file ${file}`, 'line 3 must be base64 of exactly 32 bytes');
  });

  it('a KEK given twice is refused naming both lines', () => {
    const file = kekFile(`${b64(A)}\n${b64(B)}\n${b64(A)}\n`);
    expectRefused(() => keyringFrom({ KEK_FILE: file }), `KEK file ${file}`, 'line 3 is the same KEK as line 1');
  });

  it('a file of comments alone holds no KEK, and says so', () => {
    const file = kekFile('# nothing here yet\n\n');
    expectRefused(() => keyringFrom({ KEK_FILE: file }), `KEK file ${file}`, 'holds no KEK');
  });

  it('outside production a missing file is created with one KEK, readable by its owner alone', () => {
    const file = join(root, `fresh-${++files}/kek`);
    const { keyring, created } = keyringFrom({ KEK_FILE: file });
    expect(created).toBe(true);
    expect(keyring.all).toHaveLength(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keyringFrom({ KEK_FILE: file }).keyring.sealing.id).toBe(keyring.sealing.id);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('production never creates one, and refuses a file others can read', () => {
    const production = { NODE_ENV: 'production', ISSUER: 'https://id.example.com' };
    expectRefused(() => keyringFrom({ ...production, KEK_FILE: join(root, 'missing/kek') }), 'no KEK', 'production never creates one');
    const open = kekFile(`${b64(A)}\n${b64(B)}\n`, 0o640);
    expectRefused(() => keyringFrom({ ...production, KEK_FILE: open }), `KEK file ${open}`, 'chmod 600');
    const closed = kekFile(`${b64(A)}\n${b64(B)}\n`, 0o600);
    expect(keyringFrom({ ...production, KEK_FILE: closed }).keyring.all).toHaveLength(2);
  });
});
