// enrich: what is in an asset, found by models: objects (label suggestions), faces grouped into people, text
// in the picture, speech, and an embedding for semantic search. Runs after transcode, on its light renditions:
// an image's 1200 px preview, a video's key frames (scene changes, from the 720p preview) and the preview's
// sound. In production this is the GPU inference pool; here the same code runs on the CPU.
// A model that is missing or fails on this asset is recorded as such; the asset stays ready and searchable.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { EnrichPart } from '../../shared/config.ts';
import { factsOf, findAsset, getMetadata, listRenditions, putMetadata, setProgress } from '../../shared/db/assets.ts';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import { replaceFaces, saveEmbedding, saveLabels } from '../../shared/db/enrichment.ts';
import type { Asset, Rendition } from '../../shared/db/schema.ts';
import { type Recorded, recordEnriched as enrichedDecision } from '../../shared/domain/asset-commands.ts';
import type { AiMetadata } from '../../shared/domain/metadata.ts';
import { recordDecision } from '../../shared/events/asset-decisions.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import { type EventHandler } from '../../shared/events/handle.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import { extractKeyframes } from '../../shared/media/keyframes.ts';
import type { Platform } from '../../shared/platform.ts';
import { type Frame, type PartOutcome, embedFrames, findFaces, findObjects, readText, runPart, transcribe } from './analyse.ts';

const CONSUMER = 'enrich';

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, CONSUMER);
  acceptEvents(app, platform, CONSUMER, { 'io.mediateca.asset.rendered': enrichRendered });
  return app;
}

const enrichRendered: EventHandler<'io.mediateca.asset.rendered'> = async (event, platform) => {
  const wanted = new Set(platform.config.enrich.parts);
  if (wanted.size === 0) return; // ENRICH_PARTS=none: enrichment switched off, the asset's history stays as it is
  const asset = await findAsset(platform.db, event.data.assetId);
  if (!asset || asset.state !== 'ready') return;
  const metadata = await getMetadata(platform.db, asset.id);
  const technical = metadata.technical ?? {};
  const workDir = await mkdtemp(join(tmpdir(), 'mediateca-enrich-'));
  try {
    const { frames, sound } = await gatherInputs(platform, asset, technical, await listRenditions(platform.db, asset.id), workDir);
    const parts: Record<string, PartOutcome> = {};
    const ai: AiMetadata = {};
    const noFrames = frames.length ? undefined : 'no image to look at (no preview rendition)';
    const total = wanted.size;
    let finished = 0;
    const step = async <T extends { model: string }>(part: EnrichPart, skip: string | undefined, work: () => Promise<T>): Promise<T | undefined> => {
      if (!wanted.has(part)) return undefined;
      await setProgress(platform.db, asset.id, { stage: `enriching: ${part}`, percent: Math.round((100 * finished) / total) });
      const { outcome, result } = skip ? { outcome: { status: 'skipped', reason: skip } as PartOutcome, result: undefined } : await runPart(part, work);
      parts[part] = outcome;
      finished += 1;
      if (outcome.status === 'failed') platform.logger.warn({ assetId: asset.id, part, reason: outcome.reason }, 'enrichment part failed');
      return result;
    };

    // The models of this process (objects, faces, CLIP) take turns; OCR (Tesseract) and speech do most of their
    // work in processes of their own, so they run beside them and the slowest part alone sets the time.
    const inProcess = async () => {
      const objects = await step('objects', noFrames, () => findObjects(frames));
      if (objects) await saveLabels(platform.db, asset.id, objects.model, objects.labels);
      const faces = await step('faces', noFrames, () => findFaces(frames));
      if (faces) await replaceFaces(platform.db, asset.project_id, asset.id, faces.faces, reclusterFaces);
      const embedding = await step('embedding', noFrames, () => embedFrames(frames, platform.config.models, platform.config.search.embeddingDimensions));
      if (embedding) await saveEmbedding(platform.db, asset.id, embedding.model, embedding.vector);
      return objects;
    };
    const [objects, text, speech] = await allSettled([
      inProcess(),
      step('ocr', noFrames, () => readText(frames)),
      step('speech', sound ? undefined : 'no sound to transcribe', () => transcribe(sound!, platform.config.speech)),
    ]);
    if (text) ai.ocr = text.ocr;
    if (speech) ai.transcript = speech.transcript;

    // what a part found before stays when it is switched off or failed this time
    const previous = (metadata.ai ?? {}) as AiMetadata;
    const keyframes = frames.some((f) => f.time !== undefined) ? frames.map((f) => f.time) : undefined;
    const aiMetadata: AiMetadata = { ...previous, ...ai, parts: { ...previous.parts, ...parts }, keyframes };
    await putMetadata(platform.db, asset.id, 'ai', aiMetadata);
    // what was found goes into the history too: the read models replay from it (npm run rebuild)
    const recorded: Recorded = { ai: JSON.parse(JSON.stringify(aiMetadata)) as AiMetadata, ...(objects ? { labels: { model: objects.model, findings: JSON.parse(JSON.stringify(objects.labels)) } } : {}) };
    await recordEnriched(platform, asset, parts, recorded);
  } finally {
    await setProgress(platform.db, asset.id, null);
    await rm(workDir, { recursive: true, force: true });
  }
};

/** Like Promise.all, but a rejection waits for the others to settle: they read files the caller then removes. */
async function allSettled<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The images and the sound the models look at, from the renditions (never the multi-GB master), as local files. */
async function gatherInputs(platform: Platform, asset: Asset, technical: Record<string, any>, renditions: Rendition[], workDir: string): Promise<{ frames: Frame[]; sound?: string }> {
  const kind = (technical.kind as string | undefined) ?? asset.media_type;
  const fetch = async (name: string, file: string): Promise<string | undefined> => {
    const rendition = renditions.find((r) => r.name === name);
    if (!rendition) return undefined;
    return platform.store.localFile(platform.store.buckets.renditions, rendition.storage_key, join(workDir, file));
  };
  if (kind === 'image') {
    const preview = await fetch('preview', 'preview.jpg');
    return { frames: preview ? [{ file: preview }] : [] };
  }
  if (kind === 'audio') return { frames: [], sound: await fetch('preview', 'preview.mp3') };
  if (kind !== 'video') return { frames: [] };
  const video = (await fetch('preview', 'preview.mp4')) ?? (await fetch('proxy', 'proxy.mp4'));
  if (!video) return { frames: [] };
  const framesDir = join(workDir, 'frames');
  await mkdir(framesDir);
  const frames = await extractKeyframes(video, Number(technical.durationSeconds ?? 0), framesDir, { maxFrames: platform.config.enrich.maxKeyframes });
  return { frames, sound: technical.audio ? video : undefined };
}

async function recordEnriched(platform: Platform, asset: Asset, parts: Record<string, PartOutcome>, recorded: Recorded): Promise<void> {
  const summary = Object.fromEntries(Object.entries(parts).map(([part, { status, reason }]) => [part, reason ? { status, reason } : { status }]));
  // re-read: an editor may have changed the asset while the models ran
  const current = (await findAsset(platform.db, asset.id)) ?? asset;
  await recordDecision(platform.db, current, enrichedDecision(factsOf(current), parts, summary, recorded), { actor: CONSUMER });
  platform.outboxWritten();
}
