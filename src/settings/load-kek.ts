import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { kekFromBytes, type Kek } from '../keys/seal.js';
import { SettingsError } from './settings-error.js';

function decode(text: string, where: string): Kek {
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== 32 || !/^[A-Za-z0-9+/=_-]+$/.test(text.trim())) {
    throw new SettingsError(`${where}: must be base64 of exactly 32 bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return kekFromBytes(bytes);
}

export interface KekSource {
  kekBase64: string | undefined;
  kekFile: string;
  /** In production a KEK is never created on the fly, and a KEK file others can read is refused. */
  production: boolean;
}

function readKekFile(file: string, production: boolean): Kek {
  const { mode } = statSync(file);
  if (production && (mode & 0o077) !== 0) {
    throw new SettingsError(`KEK file ${file}: readable by group or others (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${file}\``);
  }
  return decode(readFileSync(file, 'utf8'), `KEK file ${file}`);
}

/**
 * The KEK from `KEK` (base64) or from `KEK_FILE`. Outside production a missing file is created
 * with 32 random bytes and mode 0600; `wx` makes two instances starting at once agree on one KEK.
 */
export function loadKek(settings: KekSource): { kek: Kek; created: boolean } {
  if (settings.kekBase64) return { kek: decode(settings.kekBase64, 'env KEK'), created: false };
  try {
    return { kek: readKekFile(settings.kekFile, settings.production), created: false };
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
    return { kek: decode(readFileSync(settings.kekFile, 'utf8'), `KEK file ${settings.kekFile}`), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadKek(settings);
    throw new SettingsError(`KEK file ${settings.kekFile}: cannot be created (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
