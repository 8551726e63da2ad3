// File versions of an asset: upload a new file (an upload plan, verified and rendered like any upload: the same
// asset id and metadata), list every version with its master and renditions (downloadable), revert to one.
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { bringVersionBack, fileVersions, findFileVersion, setCurrentVersionAside, versionFacts } from '../../shared/db/asset-lifecycle.ts';
import { ConcurrentModification, factsOf, listRenditions } from '../../shared/db/assets.ts';
import type { Asset, FileVersion } from '../../shared/db/schema.ts';
import { CommandRefused } from '../../shared/domain/asset-commands.ts';
import { revertFileVersion } from '../../shared/domain/asset-lifecycle.ts';
import type { TechnicalMetadata } from '../../shared/domain/metadata.ts'; // the kept copy of what putMetadata checked
import type { AppEnv } from '../../shared/http/app.ts';
import { Problem, conflict, notFound } from '../../shared/http/problem.ts';
import { jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { describeUpload } from '../../shared/uploads/start.ts';
import { startVersionUpload } from '../../shared/uploads/versions.ts';
import { decideAndRecord, describeAsset, describeRendition, readableAsset, refusal } from './index.ts';

export const NewFileVersion = v.strictObject({
  filename: v.pipe(userText(1024), v.minLength(1)),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  contentType: v.pipe(v.string(), v.regex(/^[a-z]+\/[a-z0-9.+-]+$/i, 'must be a MIME type such as image/jpeg')),
  sha256: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters'), v.toLowerCase())),
});

const VersionNumber = v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'the file version must be a positive integer'), v.transform(Number), v.minValue(1, 'the file version must be a positive integer'));

export function versionRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.post('/assets/:id/versions', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:edit');
    const input = parseOrProblem(NewFileVersion, await jsonBody(c.req.raw), 'file version');
    const expected = expectedVersion(c, asset);
    try {
      const uploadId = await startVersionUpload(platform, c.get('principal').subject, asset, input, expected);
      return c.json(await describeUpload(platform, uploadId), 201);
    } catch (error) {
      if (error instanceof CommandRefused) throw refusal(error);
      if (error instanceof ConcurrentModification) throw stale(c, asset);
      throw error;
    }
  });

  app.get('/assets/:id/versions', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:read');
    return c.json({ assetId: asset.id, current: asset.file_version, versions: await describeVersions(platform, asset) });
  });

  app.post('/assets/:id/versions/:n/revert', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:edit');
    const n = parseOrProblem(VersionNumber, c.req.param('n'), 'file version');
    const target = await findFileVersion(platform.db, asset.id, n);
    if (!target) throw notFound(`asset ${asset.id} has no file version ${n}`);
    const reverted = await decideAndRecord(c, platform, asset, () => revertFileVersion(factsOf(asset), versionFacts(target), { renditionRows: target.renditions as Record<string, unknown>[], technical: target.technical as TechnicalMetadata | null }), {
      alsoInTransaction: async (trx) => {
        await setCurrentVersionAside(trx, asset);
        await bringVersionBack(trx, asset.id, target);
      },
    });
    c.header('ETag', `"${reverted.version}"`);
    return c.json(await describeAsset(platform, reverted));
  });
}

function expectedVersion(c: Context<AppEnv>, asset: Asset): number {
  const header = c.req.header('if-match');
  if (header === undefined || header.trim() === '*') return asset.version;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header.trim());
  if (!match) throw new Problem(400, 'Bad Request', `If-Match must be the asset's ETag, e.g. "3" from GET /assets/:id`);
  if (Number(match[1]) !== asset.version) throw stale(c, asset);
  return asset.version;
}

function stale(c: Context<AppEnv>, asset: Asset): Problem {
  if (c.req.header('if-match') !== undefined) return new Problem(412, 'Precondition Failed', `asset ${asset.id} was changed by someone else; reload it and try again`);
  return conflict(`asset ${asset.id} was changed by someone else while this request ran; reload it and try again`);
}

type StoredRendition = { name: string; storage_key: string; content_type: string; size_bytes: string | number; width: number | null; height: number | null; duration_seconds: number | null };

/** Every version, oldest first; the current one's renditions are the asset's, an earlier one's those it kept. */
async function describeVersions(platform: Platform, asset: Asset) {
  const { store, config } = platform;
  const ttl = config.downloadUrlTtlSeconds;
  const rows: FileVersion[] = await fileVersions(platform.db, asset.id);
  const current = await listRenditions(platform.db, asset.id);
  if (!rows.some((row) => row.file_version === asset.file_version)) {
    // only version 1 so far: the asset row describes it
    rows.unshift({
      asset_id: asset.id, file_version: asset.file_version, state: 'current', upload_id: null, filename: asset.filename, content_type: asset.content_type, media_type: asset.media_type,
      size_bytes: asset.size_bytes, expected_sha256: asset.expected_sha256, sha256: asset.sha256, storage_key: asset.storage_key, renditions: [], technical: null, reason: null, created_by: asset.owner, created_at: asset.created_at,
    });
  }
  return Promise.all(rows.map(async (row) => {
    const isCurrent = row.file_version === asset.file_version;
    const renditions = (isCurrent ? current : (row.renditions as unknown as StoredRendition[])) as StoredRendition[];
    const hasMaster = row.sha256 !== null && (row.state === 'current' || row.state === 'previous') && !(isCurrent && asset.state === 'deleted');
    return {
      fileVersion: row.file_version,
      state: row.state,
      current: isCurrent,
      filename: row.filename,
      contentType: row.content_type,
      mediaType: row.media_type,
      size: Number(row.size_bytes),
      sha256: row.sha256,
      reason: row.reason,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at).toISOString(),
      downloadUrl: hasMaster ? await store.presignGet(store.buckets.masters, row.storage_key, ttl, row.filename) : undefined,
      renditions: await Promise.all(renditions.map((r) => describeRendition(platform, asset.id, r, ttl, { current: isCurrent }))),
    };
  }));
}
