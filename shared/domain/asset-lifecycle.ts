// The asset aggregate's trash and file-version commands (the rest are in asset-commands.ts): restore from the trash,
// purge, a new file version started / verified, revert to an earlier version. Pure like the others: each decides from
// the asset as it is (and what the caller read beside it: the state before deletion, a version's record) and
// returns a Decision the repository records at the version it was decided on.
import type { AssetState, MediaType } from './asset.ts';
import { type AssetEvent, type AssetFacts, CommandRefused, type Decision, type Recorded } from './asset-commands.ts';

/** Days an asset stays in the trash before it is purged, unless the project says otherwise. */
export const DEFAULT_TRASH_RETENTION_DAYS = 30;

/**
 * Brings a deleted asset back to where it was. `previousState` is the state its deletion recorded; `renditions` the
 * renditions it kept. A ready asset is announced as rendered again (search and enrich take it back: its faces left
 * their people on deletion); one deleted half-way through processing comes back failed and is processed again; one deleted while
 * uploading fails (its upload was closed by the deletion).
 */
export function restoreAsset(asset: AssetFacts, previousState: AssetState | undefined, renditions: string[]): Decision {
  if (asset.state !== 'deleted') throw new CommandRefused('conflict', `asset ${asset.id} is not in the trash (state ${asset.state})`);
  const history = (to: AssetState) => ({ type: 'restored', data: { previousState: previousState ?? null, state: to } });
  if (previousState === 'uploaded' || previousState === 'processing') {
    if (!asset.sha256) throw new CommandRefused('conflict', `asset ${asset.id} has no verified file to process`);
    // back through failed (the trash never jumps into processing): transcode takes a failed asset asked to reprocess
    return {
      changes: { state: 'failed', stateReason: 'deleted while it was processed: processing again', deletedAt: null },
      history: history('failed'),
      events: [{ type: 'io.mediateca.asset.uploaded', data: { mediaType: asset.mediaType, contentType: asset.contentType, sha256: asset.sha256, size: asset.size, reprocess: true } }],
    };
  }
  if (previousState === undefined || previousState === 'uploading' || previousState === 'failed' || previousState === 'deleted') {
    const reason = previousState === 'uploading' ? 'deleted before its upload finished' : undefined;
    return {
      changes: { state: 'failed', deletedAt: null, ...(reason ? { stateReason: reason } : {}) },
      history: history('failed'),
      events: [{ type: 'io.mediateca.asset.updated', data: { fields: ['state'] } }],
    };
  }
  if (previousState === 'archived') {
    return { changes: { state: 'archived', deletedAt: null }, history: history('archived'), events: [{ type: 'io.mediateca.asset.updated', data: { fields: ['state'] } }] };
  }
  return { changes: { state: 'ready', deletedAt: null }, history: history('ready'), events: [{ type: 'io.mediateca.asset.rendered', data: { renditions } }] };
}

/**
 * Removes an asset for good: only from the trash. The decision is the tombstone (history and event); the caller
 * removes every object, row, search document and face with it, in the transaction that records it.
 */
export function purgeAsset(asset: AssetFacts, reason: string, facts: { objects: number }): Decision {
  if (asset.state !== 'deleted') throw new CommandRefused('conflict', `only an asset in the trash can be purged; asset ${asset.id} is ${asset.state} (delete it first)`);
  return {
    changes: {},
    history: { type: 'purged', data: { reason, objectsRemoved: facts.objects } },
    events: [{ type: 'io.mediateca.asset.purged', data: { reason } }],
  };
}

/** When a trashed asset is due for purging (pure: the sweep compares it with its clock). */
export function purgeDueAt(deletedAt: Date, retentionDays: number): Date {
  return new Date(deletedAt.getTime() + retentionDays * 86_400_000);
}

/** A file version as its record keeps it (asset_file_versions). */
export interface FileVersionFacts {
  fileVersion: number;
  state: 'uploading' | 'current' | 'previous' | 'failed';
  filename: string;
  contentType: string;
  mediaType: MediaType;
  size: number;
  sha256: string | null;
  storageKey: string;
  renditions: string[];
}

function acceptsNewFile(asset: AssetFacts, what: string): void {
  if (asset.state !== 'ready' && asset.state !== 'failed') {
    throw new CommandRefused('conflict', `an asset in state ${asset.state} cannot ${what}: it must be ready or failed (restore or wait for processing first)`);
  }
}

/** A new file for the same asset: an upload opens for version `fileVersion` (the caller numbers it: the highest + 1). */
export function startFileVersion(asset: AssetFacts, upload: { fileVersion: number; filename: string; contentType: string; size: number }, open: FileVersionFacts | undefined): Decision {
  acceptsNewFile(asset, 'take a new file version');
  if (open) throw new CommandRefused('conflict', `file version ${open.fileVersion} of asset ${asset.id} is still uploading; finish or cancel it first`);
  return {
    changes: {},
    history: { type: 'file-version-started', data: { fileVersion: upload.fileVersion, filename: upload.filename, contentType: upload.contentType, size: upload.size } },
    events: [],
  };
}

/**
 * The new version's file arrived whole and is what it claims: it becomes the asset's master and is rendered
 * (every rendition again: asset.uploaded with reprocess). The older version keeps its master and renditions.
 */
export function verifyFileVersion(asset: AssetFacts, version: FileVersionFacts, verified: { sha256: string; size: number; contentType: string; mediaType: MediaType }): Decision {
  acceptsNewFile(asset, 'take a new file version');
  if (version.state !== 'uploading') throw new CommandRefused('conflict', `file version ${version.fileVersion} was already verified or closed`);
  return {
    changes: {
      state: 'processing', stateReason: null, sha256: verified.sha256, storageKey: version.storageKey, contentType: verified.contentType, mediaType: verified.mediaType,
      size: verified.size, filename: version.filename, fileVersion: version.fileVersion,
    },
    history: { type: 'file-version-added', data: { fileVersion: version.fileVersion, previous: asset.fileVersion ?? 1, sha256: verified.sha256, size: verified.size, contentType: verified.contentType } },
    events: [{ type: 'io.mediateca.asset.uploaded', data: { mediaType: verified.mediaType, contentType: verified.contentType, sha256: verified.sha256, size: verified.size, reprocess: true } }],
  };
}

/** The new version's file was refused: the version fails, the asset stays as it was (its history says why). */
export function rejectFileVersion(_asset: AssetFacts, version: FileVersionFacts, reason: string): Decision {
  return { changes: {}, history: { type: 'file-version-failed', data: { fileVersion: version.fileVersion, reason } }, events: [] };
}

/**
 * Back to an earlier file version: its master, type, size, name and renditions (kept since) become the asset's
 * again; announced as rendered, so search and enrich follow the version.
 */
export function revertFileVersion(asset: AssetFacts, target: FileVersionFacts, kept: Pick<Recorded, 'renditionRows' | 'technical'> = {}): Decision {
  acceptsNewFile(asset, 'be reverted');
  if (target.fileVersion === (asset.fileVersion ?? 1)) throw new CommandRefused('conflict', `file version ${target.fileVersion} is already the asset's current one`);
  if (target.state !== 'previous' || !target.sha256) throw new CommandRefused('conflict', `file version ${target.fileVersion} is ${target.state}: only an earlier, verified version can be reverted to`);
  const events: AssetEvent[] = [{ type: 'io.mediateca.asset.rendered', data: { renditions: target.renditions } }];
  return {
    changes: {
      state: 'ready', stateReason: null, sha256: target.sha256, storageKey: target.storageKey, contentType: target.contentType, mediaType: target.mediaType,
      size: target.size, filename: target.filename, fileVersion: target.fileVersion,
    },
    history: { type: 'file-version-reverted', data: { from: asset.fileVersion ?? 1, to: target.fileVersion, ...kept } },
    events,
  };
}
