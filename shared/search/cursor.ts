// search_after cursors: the last hit's sort key (e.g. [rank, assetId]) as base64url JSON.
// Opaque to clients, so anything may come back: each reader checks that the decoded key has the shape its sort
// needs, with the helpers below, before a value reaches a query.
import { parseInstant } from '../domain/instant.ts';
import { InvalidCursor } from './search-index.ts';

export type SortKey = (string | number)[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(sortKey: SortKey): string {
  return Buffer.from(JSON.stringify(sortKey)).toString('base64url');
}

export function decodeCursor(cursor: string): SortKey {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor('cursor is not valid base64url JSON');
  }
  const isSortValue = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (!Array.isArray(value) || value.length === 0 || !value.every(isSortValue)) throw new InvalidCursor('cursor is not a sort key');
  return value;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A timestamp a cursor carries, as `toISOString()` wrote it: a real instant in years 1000–9999, or undefined. */
export function cursorInstant(value: unknown): Date | undefined {
  return typeof value === 'string' ? parseInstant(value) : undefined;
}

/** The same for epoch milliseconds (OpenSearch's sort values). */
export function cursorMillis(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && parseInstant(new Date(value).toISOString()) ? value : undefined;
}
