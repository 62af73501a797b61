import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { kekFromBytes, keyringOf, type Keyring } from '../keys/keyring.js';
import { fileKekEntries, kekBytes, kekListProblem, type KekEntry } from './kek-list.js';
import { SettingsError } from './settings-error.js';

export interface KekSource {
  /** `KEK`'s entries, already checked by the settings; they win over the file. */
  kekList: readonly string[] | undefined;
  kekFile: string;
  /** In production a KEK is never created on the fly, and a KEK file others can read is refused. */
  production: boolean;
}

function keyringFrom(entries: readonly KekEntry[], where: string): Keyring {
  const problem = kekListProblem(entries);
  if (problem) throw new SettingsError(`${where}: ${problem}`);
  return keyringOf(entries.map(({ text }) => kekFromBytes(kekBytes(text)!)));
}

function readKekFile(file: string, production: boolean): Keyring {
  const { mode } = statSync(file);
  if (production && (mode & 0o077) !== 0) {
    throw new SettingsError(`KEK file ${file}: readable by group or others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${file}\``);
  }
  return keyringFrom(fileKekEntries(readFileSync(file, 'utf8')), `KEK file ${file}`);
}

/**
 * The keyring from `KEK` (comma-separated base64 KEKs) or from `KEK_FILE` (one per line, `#`
 * comments): the first seals, every one opens. Outside production a missing file is created
 * with one KEK of 32 random bytes and mode 0600; `wx` makes two instances starting at once
 * agree on one KEK.
 */
export function loadKeyring(settings: KekSource): { keyring: Keyring; created: boolean } {
  if (settings.kekList) return { keyring: keyringFrom(settings.kekList.map((text, index) => ({ text, position: `entry ${index + 1}` })), 'env KEK'), created: false };
  try {
    return { keyring: readKekFile(settings.kekFile, settings.production), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof SettingsError) throw err;
      throw new SettingsError(`KEK file ${settings.kekFile}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (settings.production) {
    throw new SettingsError(`no KEK: set KEK (base64 of 32 bytes) or KEK_FILE (${settings.kekFile} does not exist); production never creates one on the fly`);
  }
  mkdirSync(dirname(settings.kekFile), { recursive: true });
  try {
    writeFileSync(settings.kekFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return { keyring: readKekFile(settings.kekFile, false), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadKeyring(settings);
    if (err instanceof SettingsError) throw err;
    throw new SettingsError(`KEK file ${settings.kekFile}: cannot be created (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
