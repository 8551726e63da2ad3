// Where the CLI keeps what `login` stored (server URL, token, default project) and its upload journals.
// MEDIATECA_URL, MEDIATECA_TOKEN and MEDIATECA_PROJECT override the file (for CI jobs and scripts).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import envPaths from 'env-paths';

export interface Settings {
  server: string;
  token: string;
  project?: string;
}

const paths = envPaths('mediateca', { suffix: '' });

export const settingsFile = (): string => process.env.MEDIATECA_CONFIG ?? join(paths.config, 'config.json');
/** upload journals live beside other per-user state, not in the config */
export const stateDir = (): string => paths.data;

export function readSettings(): Partial<Settings> {
  let stored: Partial<Settings> = {};
  try {
    stored = JSON.parse(readFileSync(settingsFile(), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${settingsFile()}: ${(error as Error).message}`);
  }
  return {
    server: process.env.MEDIATECA_URL ?? stored.server,
    token: process.env.MEDIATECA_TOKEN ?? stored.token,
    project: process.env.MEDIATECA_PROJECT ?? stored.project,
  };
}

/** The token is a secret: the file is readable by its owner only. */
export function writeSettings(settings: Settings): string {
  const file = settingsFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function requireSettings(): Settings {
  const settings = readSettings();
  if (!settings.server || !settings.token) throw new UsageError('not logged in: run `mediateca login <server-url> --token <token>` (or set MEDIATECA_URL and MEDIATECA_TOKEN)');
  return settings as Settings;
}

/** A mistake of the caller's (exit code 2), as opposed to a failed operation (exit code 1). */
export class UsageError extends Error {}
