// Collections (albums): an ordered set of a project's assets. The order is a list of asset ids; these pure
// functions decide what a command does to it (add at a place, remove, move) and which stored positions change.
// The repository (db/collections.ts) reads the order and writes only the changed positions.

export const MAX_COLLECTION_NAME_LENGTH = 200;
export const MAX_COLLECTION_DESCRIPTION_LENGTH = 5000;
/** A collection holds at most this many assets (its order is read and rewritten whole on an insert or a move). */
export const MAX_COLLECTION_SIZE = 10_000;
/** Assets one request may add or remove. */
export const MAX_ASSETS_PER_CHANGE = 500;

export class CollectionRefused extends Error {
  constructor(readonly problem: 'invalid' | 'conflict', reason: string) {
    super(reason);
  }
}

export interface Placement {
  order: string[];
  /** the ids that entered the collection, in their new order */
  added: string[];
  /** ids asked for that were already in it (left where they were) */
  alreadyIn: string[];
}

/**
 * Adds `assetIds` at `position` (0-based; the end when absent), in the order given; ids already in the collection
 * (or repeated in the request) stay where they are. A position past the end is refused, not clamped.
 */
export function placeAssets(current: readonly string[], assetIds: readonly string[], position?: number): Placement {
  if (assetIds.length === 0) throw new CollectionRefused('invalid', 'name at least one asset to add');
  if (assetIds.length > MAX_ASSETS_PER_CHANGE) throw new CollectionRefused('invalid', `at most ${MAX_ASSETS_PER_CHANGE} assets per request`);
  const at = position ?? current.length;
  checkPosition(at, current.length, 'position');
  const present = new Set(current);
  const added: string[] = [];
  const alreadyIn: string[] = [];
  for (const id of assetIds) {
    if (present.has(id)) {
      if (!alreadyIn.includes(id) && !added.includes(id)) alreadyIn.push(id);
      continue;
    }
    present.add(id);
    added.push(id);
  }
  if (current.length + added.length > MAX_COLLECTION_SIZE) {
    throw new CollectionRefused('conflict', `a collection holds at most ${MAX_COLLECTION_SIZE} assets; this one has ${current.length} and ${added.length} more were asked for`);
  }
  return { order: [...current.slice(0, at), ...added, ...current.slice(at)], added, alreadyIn };
}

/** Removes the ids that are in the collection; the others are reported as missing. */
export function removeAssets(current: readonly string[], assetIds: readonly string[]): { order: string[]; removed: string[]; missing: string[] } {
  if (assetIds.length === 0) throw new CollectionRefused('invalid', 'name at least one asset to remove');
  if (assetIds.length > MAX_ASSETS_PER_CHANGE) throw new CollectionRefused('invalid', `at most ${MAX_ASSETS_PER_CHANGE} assets per request`);
  const leaving = new Set(assetIds);
  const present = new Set(current);
  return {
    order: current.filter((id) => !leaving.has(id)),
    removed: [...leaving].filter((id) => present.has(id)),
    missing: [...leaving].filter((id) => !present.has(id)),
  };
}

/** Moves one asset to `position` (0-based, in the order after it is taken out). */
export function moveAsset(current: readonly string[], assetId: string, position: number): string[] {
  const from = current.indexOf(assetId);
  if (from < 0) throw new CollectionRefused('conflict', `asset ${assetId} is not in this collection`);
  const rest = current.filter((id) => id !== assetId);
  checkPosition(position, rest.length, 'position');
  return [...rest.slice(0, position), assetId, ...rest.slice(position)];
}

/** The (assetId, position) pairs of `after` whose position differs from `before` (new ids included). */
export function positionChanges(before: readonly string[], after: readonly string[]): { assetId: string; position: number }[] {
  const was = new Map(before.map((id, index) => [id, index]));
  return after.flatMap((assetId, position) => (was.get(assetId) === position ? [] : [{ assetId, position }]));
}

function checkPosition(position: number, length: number, name: string): void {
  if (!Number.isInteger(position) || position < 0 || position > length) {
    throw new CollectionRefused('invalid', `${name} must be an integer from 0 to ${length} (the collection's size)`);
  }
}
