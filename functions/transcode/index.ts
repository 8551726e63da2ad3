// transcode: technical metadata and renditions for an uploaded asset, by media type.
// Idempotent at rendition granularity: renditions already stored are not made again unless reprocessing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { changeAsset, findAsset, listRenditions, putMetadata, putRendition, setProgress } from '../../shared/db/assets.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import { type EventHandler, acceptEvents } from '../../shared/http/events.ts';
import type { Platform } from '../../shared/platform.ts';
import { downloadToFile } from '../../shared/storage/download.ts';
import { PermanentMediaError, renderAsset } from './render.ts';

const CONSUMER = 'transcode';

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, CONSUMER);
  acceptEvents(app, platform, CONSUMER, { 'io.mediateca.asset.uploaded': transcodeUploaded });
  return app;
}

const transcodeUploaded: EventHandler<'io.mediateca.asset.uploaded'> = async (event, platform) => {
  let asset = await findAsset(platform.db, event.data.assetId);
  if (!asset || !['uploaded', 'processing', 'failed'].includes(asset.state)) return;
  if (asset.state === 'failed' && !event.data.reprocess) return;
  if (asset.state !== 'processing') {
    asset = await changeAsset(platform.db, asset, { expectedVersion: asset.version, set: { state: 'processing', state_reason: null }, history: { type: 'processing', actor: CONSUMER } });
  }
  const existing = event.data.reprocess ? [] : await listRenditions(platform.db, asset.id);
  const workDir = await mkdtemp(join(tmpdir(), 'mediateca-transcode-'));
  try {
    await setProgress(platform.db, asset.id, { stage: 'downloading', percent: 0 });
    const master = join(workDir, `master`);
    await downloadToFile(platform.store, platform.store.buckets.masters, asset.storage_key, master);
    const result = await renderAsset(platform, asset, master, workDir, new Set(existing.map((r) => r.name)), (stage, percent) =>
      setProgress(platform.db, asset!.id, { stage, percent: Math.round(percent) }),
    );
    for (const rendition of result.renditions) {
      const key = `${asset.project_id}/${asset.id}/${rendition.name}.${rendition.extension}`;
      await platform.store.put(platform.store.buckets.renditions, key, rendition.data, rendition.contentType, rendition.size);
      await putRendition(platform.db, {
        asset_id: asset.id,
        name: rendition.name,
        storage_key: key,
        content_type: rendition.contentType,
        size_bytes: rendition.size,
        width: rendition.width ?? null,
        height: rendition.height ?? null,
      });
    }
    await putMetadata(platform.db, asset.id, 'technical', result.technical);
    const names = [...new Set([...existing.map((r) => r.name), ...result.renditions.map((r) => r.name)])].sort();
    await finish(platform, asset, names, result.skipped);
  } catch (error) {
    if (!(error instanceof PermanentMediaError)) throw error;
    await failAsset(platform, asset, error.message);
  } finally {
    await setProgress(platform.db, asset.id, null);
    await rm(workDir, { recursive: true, force: true });
  }
};

async function finish(platform: Platform, asset: Asset, renditions: string[], skipped: Record<string, string>): Promise<void> {
  await changeAsset(platform.db, asset, {
    expectedVersion: asset.version,
    set: { state: 'ready', state_reason: Object.keys(skipped).length ? `renditions not made: ${Object.entries(skipped).map(([n, why]) => `${n} (${why})`).join(', ')}` : null },
    history: { type: 'rendered', actor: CONSUMER, data: { renditions, skipped } },
    events: (version) => [newEvent('io.mediateca.asset.rendered', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version, renditions }, asset.id)],
  });
  platform.outboxWritten();
}

async function failAsset(platform: Platform, asset: Asset, reason: string): Promise<void> {
  await changeAsset(platform.db, asset, {
    expectedVersion: asset.version,
    set: { state: 'failed', state_reason: reason },
    history: { type: 'failed', actor: CONSUMER, data: { reason } },
    events: (version) => [newEvent('io.mediateca.asset.failed', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version, reason }, asset.id)],
  });
  platform.outboxWritten();
  platform.logger.warn({ assetId: asset.id, reason }, 'transcode failed permanently');
}
