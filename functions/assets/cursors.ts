// The cursors of the collection and share-link listings: a created-at + id key (newest first) or a position.
import { badRequest } from '../../shared/http/problem.ts';
import { cursorInstant, decodeCursor, isUuid } from '../../shared/search/cursor.ts';
import { InvalidCursor } from '../../shared/search/search-index.ts';

export function createdKeyFrom(cursor: string): { createdAt: string; id: string } {
  const key = decodeOr400(cursor);
  const [createdAt, id] = key;
  if (key.length !== 2 || typeof createdAt !== 'string' || !cursorInstant(createdAt) || !isUuid(id)) throw badRequest('invalid cursor: it does not belong to this listing');
  return { createdAt, id };
}

export function positionKeyFrom(cursor: string): number {
  const key = decodeOr400(cursor);
  const [position] = key;
  if (key.length !== 1 || typeof position !== 'number' || !Number.isInteger(position) || position < 0) throw badRequest('invalid cursor: it does not belong to this listing');
  return position;
}

function decodeOr400(cursor: string) {
  try {
    return decodeCursor(cursor);
  } catch (error) {
    if (error instanceof InvalidCursor) throw badRequest(`invalid cursor: ${error.message}`);
    throw error;
  }
}
