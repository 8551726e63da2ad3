// What every command shares: settings, the API client, output for humans or for scripts (--json).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { Api } from './api.ts';
import { UsageError, requireSettings } from './settings.ts';

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
}

export interface Context {
  api: Api;
  project?: string;
  json: boolean;
  progress: 'bars' | 'lines' | 'quiet';
  print(human: string, json: unknown): void;
  fail(): void;
}

/** set when anything the command did failed: exit code 1 */
export const outcome = { failed: false };

export function context(command: Command): Context {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const settings = requireSettings();
  const json = globals.json === true;
  return {
    api: new Api(settings.server, settings.token),
    project: settings.project,
    json,
    progress: globals.quiet || json ? (globals.quiet ? 'quiet' : 'lines') : process.stderr.isTTY ? 'bars' : 'lines',
    print: (text, value) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`),
    fail: () => { outcome.failed = true; },
  };
}

export function table(head: string[], rows: (string | number | undefined | null)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map((cell) => (cell === undefined || cell === null ? '' : String(cell))));
  return t.toString();
}

export const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);
export const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of at least 1, not "${value}"`);
  return n;
};

export function projectOf(ctx: Context, option?: string): string {
  const project = option ?? ctx.project;
  if (!project) throw new UsageError('which project? Pass --project or store one with `mediateca login … --project <id>`');
  return project;
}

export function readSourceFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

