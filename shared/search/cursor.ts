// search_after cursors: the last hit's sort key (e.g. [rank, assetId]) as base64url JSON.
// Opaque to clients; each adapter checks that the decoded key has the shape its sort needs.
import { InvalidCursor } from './search-index.ts';

export type SortKey = (string | number)[];

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
