// The embedded default has no secrets deployed with it: each key it needs is made once, at random, and kept in the
// data folder, so every process sharing that folder agrees on it. Created with O_EXCL, so two processes starting at
// once still end up with the same key.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The 32-byte key named `name` in `dataDir/keys/`, made on first use. */
export function localKey(dataDir: string, name: string): Buffer {
  const file = join(dataDir, 'keys', name);
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
