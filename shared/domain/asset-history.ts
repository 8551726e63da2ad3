// The asset as a projection of its events: every history entry records the fields it changed, so the state at
// any version is the fold of those changes, from the start or from a snapshot taken at an earlier version.
// Pure; the repository (shared/db/asset-log.ts) reads the entries and snapshots.

export interface RecordedChange {
  version: number;
  /** the fields the event set; null for entries recorded before events carried their changes */
  changes: Record<string, unknown> | null;
}

export type Replay =
  | { ok: true; version: number; state: Record<string, unknown> }
  /** the entry at this version carries no changes: the state cannot be replayed through it */
  | { ok: false; unrecordedVersion: number };

/**
 * Folds `tail` (consecutive versions, oldest first) onto `from` (a snapshot, or nothing to start from version 1).
 * Throws when a version is missing or repeated: a gap in the log is corruption, never papered over.
 */
export function replay(from: { version: number; state: Record<string, unknown> } | undefined, tail: RecordedChange[]): Replay {
  let version = from?.version ?? 0;
  const state: Record<string, unknown> = { ...(from?.state ?? {}) };
  for (const entry of tail) {
    if (entry.version !== version + 1) throw new Error(`asset history jumps from version ${version} to ${entry.version}`);
    if (entry.changes === null) return { ok: false, unrecordedVersion: entry.version };
    Object.assign(state, entry.changes);
    version = entry.version;
  }
  return { ok: true, version, state };
}
