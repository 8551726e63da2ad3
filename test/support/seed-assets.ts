// Assets in any state, made through the repositories as the functions make them (no HTTP, no media), for
// function-level tests of what reads assets: listings, search projection, input limits.
import { randomUUID } from 'node:crypto';
import { changeAsset, createAssetsInBulk, createUploadingAsset, putRendition } from '../../shared/db/assets.ts';
import type { Asset } from '../../shared/db/schema.ts';
import type { AssetState, MediaType } from '../../shared/domain/asset.ts';
import type { EditorialState } from '../../shared/domain/editorial.ts';
import type { Platform } from '../../shared/platform.ts';

/** How each state is reached from `uploading`. */
const PATH: Record<AssetState, AssetState[]> = {
  uploading: [],
  uploaded: ['uploaded'],
  processing: ['uploaded', 'processing'],
  ready: ['uploaded', 'processing', 'ready'],
  failed: ['failed'],
  archived: ['uploaded', 'processing', 'ready', 'archived'],
  deleted: ['uploaded', 'processing', 'ready', 'deleted'],
};

export interface Seed {
  state?: AssetState;
  projectId?: string;
  mediaType?: MediaType;
  title?: string;
  tags?: string[];
  /** 'approved' unless given, so every reader (viewers too) sees the seed; 'draft' is where uploads start */
  editorialState?: EditorialState;
  /** adds a thumbnail rendition row (key only; no bytes) */
  thumbnail?: boolean;
  /** the original's size in bytes (1 unless given): set it when the test stores real bytes a reader will stream */
  sizeBytes?: number;
  /** seedAssetsInBulk only: when the asset was created (now unless given) */
  createdAt?: Date;
}

export async function seedAsset(platform: Platform, seed: Seed = {}): Promise<Asset> {
  const id = randomUUID();
  const projectId = seed.projectId ?? 'newsroom';
  const mediaType = seed.mediaType ?? 'image';
  const key = `${projectId}/${id}/original.bin`;
  let asset = await createUploadingAsset(
    platform.db,
    {
      id, project_id: projectId, media_type: mediaType, title: seed.title ?? `asset ${id.slice(0, 8)}`, description: '', tags: seed.tags ?? [],
      filename: 'file.bin', content_type: `${mediaType}/x-test`, size_bytes: seed.sizeBytes ?? 1, expected_sha256: null, sha256: null, storage_key: key,
      duplicate_of: null, state_reason: null, progress: null, owner: 'seed',
    },
    { id: randomUUID(), bucket: platform.store.buckets.incoming, storage_key: key, multipart_upload_id: null, part_size: null, part_count: null, expires_at: new Date(Date.now() + 3_600_000) },
  );
  for (const state of PATH[seed.state ?? 'ready']) {
    const set = { state, ...(state === 'failed' ? { state_reason: 'seeded failure' } : {}), ...(state === 'deleted' ? { deleted_at: new Date() } : {}), ...(state === 'uploaded' ? { sha256: 'a'.repeat(64) } : {}) };
    asset = await changeAsset(platform.db, asset, { expectedVersion: asset.version, set, history: { type: state, actor: 'seed' } });
  }
  const editorialState = seed.editorialState ?? 'approved';
  if (editorialState !== asset.editorial_state) {
    asset = await changeAsset(platform.db, asset, { expectedVersion: asset.version, set: { editorial_state: editorialState }, history: { type: 'editorial-transition', actor: 'seed' } });
  }
  if (seed.thumbnail) {
    await putRendition(platform.db, { asset_id: id, name: 'thumbnail', storage_key: `${projectId}/${id}/thumbnail.jpg`, content_type: 'image/jpeg', size_bytes: 1, width: 300, height: 200 });
  }
  return asset;
}

/**
 * Many ready assets at once (createAssetsInBulk: a few hundred rows a statement), for benchmarks at catalogue
 * scale; each with a thumbnail rendition row when `thumbnailBytes` gives its bytes (then also put in storage).
 */
export async function seedAssetsInBulk(platform: Platform, seeds: (Seed & { thumbnailBytes?: Buffer })[]): Promise<Asset[]> {
  const rows = seeds.map((seed) => {
    const id = randomUUID();
    const projectId = seed.projectId ?? 'newsroom';
    const mediaType = seed.mediaType ?? 'image';
    return {
      seed,
      asset: {
        id, project_id: projectId, media_type: mediaType, title: seed.title ?? `asset ${id.slice(0, 8)}`, description: '', tags: seed.tags ?? [],
        filename: 'file.bin', content_type: `${mediaType}/x-test`, size_bytes: 1, expected_sha256: null, sha256: 'a'.repeat(64), storage_key: `${projectId}/${id}/original.bin`,
        duplicate_of: null, state_reason: null, progress: null, owner: 'seed', state: seed.state ?? 'ready', editorial_state: seed.editorialState ?? 'approved',
        deleted_at: seed.state === 'deleted' ? new Date() : null,
        ...(seed.createdAt ? { created_at: seed.createdAt } : {}),
      },
      renditions: seed.thumbnailBytes || seed.thumbnail
        ? [{ name: 'thumbnail', storage_key: `${projectId}/${id}/thumbnail.jpg`, content_type: 'image/jpeg', size_bytes: seed.thumbnailBytes?.length ?? 1, width: 300, height: 200 }]
        : [],
    };
  });
  for (let start = 0; start < rows.length; start += 64) {
    await Promise.all(rows.slice(start, start + 64).flatMap(({ seed, renditions }) => (seed.thumbnailBytes
      ? renditions.map((r) => platform.store.put(platform.store.buckets.renditions, r.storage_key, seed.thumbnailBytes!, 'image/jpeg'))
      : [])));
  }
  return createAssetsInBulk(platform.db, rows);
}
