// index: projects assets into the search read model (CQRS). Reads the current state from the system of
// record, so events arriving twice or out of order converge on the same document.
import type { Hono } from 'hono';
import { findLabel, spanishLabel } from '../../shared/ai/vision/labels.ts';
import { findAsset, getMetadata, listRenditions } from '../../shared/db/assets.ts';
import { collectionIdsOf } from '../../shared/db/collections.ts';
import { assetIdsWithPerson, findEmbedding, listFaces, listLabels } from '../../shared/db/enrichment.ts';
import type { Kysely } from 'kysely';
import type { Asset, DB } from '../../shared/db/schema.ts';
import { MAX_TAGS } from '../../shared/domain/asset.ts';
import { truncateUtf8 } from '../../shared/domain/text.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import type { EventContext } from '../../shared/events/handle.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import type { Platform } from '../../shared/platform.ts';
import { adminRoutes } from './admin.ts';
import { observeStageEnd, reportCatalogueGauges } from '../../shared/analytics/metrics.ts';
import { isIndexed, type SearchDocument, type SearchIndex } from '../../shared/search/search-index.ts';

const CONSUMER = 'index';

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, CONSUMER);
  const reindex = (event: { data: { assetId: string } }, p: Platform, context: EventContext) => projectAssets(p, [event.data.assetId], context);
  acceptEvents(app, platform, CONSUMER, {
    'io.mediateca.asset.rendered': async (event, p, context) => { await reindex(event, p, context); await observeStages(p, event); },
    // progressive rendering: searchable with its poster and technical metadata while the rest encodes
    'io.mediateca.asset.renditions-partial': reindex,
    'io.mediateca.asset.updated': reindex,
    'io.mediateca.asset.failed': reindex,
    'io.mediateca.asset.deleted': reindex,
    'io.mediateca.asset.editorial.draft': reindex,
    'io.mediateca.asset.editorial.in_review': reindex,
    'io.mediateca.asset.editorial.approved': reindex,
    'io.mediateca.asset.editorial.rejected': reindex,
    'io.mediateca.asset.editorial.archived': reindex,
    'io.mediateca.asset.enriched': async (event, p, context) => { await reindex(event, p, context); await observeStages(p, event); },
    'io.mediateca.person.updated': async (event, p, context) => projectAssets(p, await assetIdsWithPerson(p.db, event.data.personId), context),
    // collection membership is a search filter: the assets that entered or left one are projected again
    'io.mediateca.collection.assets-added': (event, p, context) => projectAssets(p, event.data.assetIds, context),
    'io.mediateca.collection.assets-removed': (event, p, context) => projectAssets(p, event.data.assetIds, context),
    'io.mediateca.collection.deleted': (event, p, context) => projectAssets(p, event.data.assetIds, context),
  });
  adminRoutes(app, platform);
  reportCatalogueGauges(platform.db);
  return app;
}

/** Business metrics: the stages this event ends (shared/analytics/metrics.ts); a failure to observe is only logged. */
async function observeStages(platform: Platform, event: Parameters<typeof observeStageEnd>[1]): Promise<void> {
  await observeStageEnd(platform.db, event).catch((error) => platform.logger.warn({ err: error, eventId: event.id }, 'stage metrics not observed'));
}

/**
 * Where the search index lives in the platform's database (the Postgres adapter), the projections and the event's
 * idempotency record commit in one transaction; an external index (OpenSearch) is written first, then the event is
 * marked (a projection is idempotent: running it again converges on the same document).
 */
async function projectAssets(platform: Platform, assetIds: string[], context: EventContext): Promise<void> {
  const { search } = platform;
  if (!search.inTransaction) {
    for (const assetId of assetIds) await projectAsset(platform.db, search, assetId);
    return;
  }
  await platform.db.transaction().execute(async (trx) => {
    const index = search.inTransaction!(trx);
    for (const assetId of assetIds) await projectAsset(trx, index, assetId);
    await context.markProcessed(trx);
  });
}

/**
 * Indexed = ready, archived, failed (search finds failed ones only when asked: state=failed) or processing with its
 * poster stored (search-index.ts isIndexed). Anything else (deleted, still uploading) leaves the index.
 */
export async function projectAsset(db: Kysely<DB>, search: SearchIndex, assetId: string): Promise<void> {
  const asset = await findAsset(db, assetId);
  const renditions = asset ? await listRenditions(db, assetId) : [];
  if (!asset || !isIndexed(asset.state, renditions.map((r) => r.name))) {
    await search.remove(assetId);
    return;
  }
  const [metadata, labels, faces, embedding, collectionIds] = await Promise.all([
    getMetadata(db, assetId),
    listLabels(db, assetId),
    listFaces(db, assetId),
    findEmbedding(db, assetId),
    collectionIdsOf(db, assetId),
  ]);
  // an image's thumbnail; a video's poster (it has no thumbnail)
  const thumbnail = renditions.find((r) => r.name === 'thumbnail') ?? renditions.find((r) => r.name === 'poster');
  const document = toSearchDocument(asset, metadata.technical ?? {}, thumbnail?.storage_key);
  await search.upsert({ ...withAiFields(document, metadata.ai ?? {}, labels, faces, embedding?.vector), collectionIds });
}

/**
 * OCR text and transcripts can be hours long: the search document carries their first MAX_AI_TEXT_BYTES, so
 * hits stay small and the index within its limits; GET /assets/:id keeps the whole text (metadata.ai).
 */
export const MAX_AI_TEXT_BYTES = 128 * 1024;

/**
 * What enrich found, as searchable fields: labels an editor has not rejected, in English and Spanish (a query
 * in either language finds them) with the model's confidence (labelConfidence: a label the model is unsure of
 * ranks lower, shared/search/analysis.ts; one an editor accepted counts as certain) and their synonyms; people
 * by id (the faces filter) and by name once named; OCR text and transcript; the embedding.
 */
export function withAiFields(
  document: SearchDocument,
  ai: Record<string, any>,
  labels: { label: string; status: string; confidence?: number | string | null }[],
  faces: { personId: string; name: string | null }[],
  embedding?: number[],
): SearchDocument {
  const keptLabels = labels.filter((l) => l.status !== 'rejected');
  const kept = keptLabels.map((l) => l.label);
  // the same confidence for the label's English and Spanish names; the best one where a name comes twice
  const labelConfidence: Record<string, number> = {};
  for (const l of keptLabels) {
    const confidence = l.status === 'accepted' ? 1 : Number(l.confidence ?? 1);
    if (!Number.isFinite(confidence)) continue;
    for (const name of [l.label, spanishLabel(l.label)]) labelConfidence[name] = Math.max(labelConfidence[name] ?? 0, confidence);
  }
  const names = [...new Set(faces.map((f) => f.name).filter((name): name is string => Boolean(name)))];
  // synonyms ("moto", "cachorro") are found by text but kept out of the labels facet
  const aliases = kept.flatMap((label) => findLabel(label)?.aliases ?? []);
  const fields = { ...document.fields, ...(names.length ? { people: names.join(', ') } : {}), ...(aliases.length ? { labelAliases: aliases.join(', ') } : {}) };
  return {
    ...document,
    fields,
    labels: [...new Set(kept.flatMap((label) => [label, spanishLabel(label)]))],
    ...(keptLabels.length ? { labelConfidence } : {}),
    personIds: [...new Set(faces.map((f) => f.personId))],
    ocrText: typeof ai.ocr?.text === 'string' ? truncateUtf8(ai.ocr.text, MAX_AI_TEXT_BYTES) : undefined,
    transcript: typeof ai.transcript?.text === 'string' ? truncateUtf8(ai.transcript.text, MAX_AI_TEXT_BYTES) : undefined,
    embedding,
  };
}

export function toSearchDocument(asset: Asset, technical: Record<string, any>, thumbnailKey?: string): SearchDocument {
  const exif = (technical.exif ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const name of ['make', 'model', 'lens', 'software', 'artist', 'copyright'] as const) {
    if (typeof exif[name] === 'string') fields[name] = exif[name] as string;
  }
  const capturedAt = typeof exif.capturedAt === 'string' ? new Date(exif.capturedAt) : undefined;
  // schema fields: filterable and facetable as they are; their text (text, keyword, enum values…) searchable too
  const schemaFields = asset.fields ?? {};
  for (const [name, value] of Object.entries(schemaFields)) {
    if (typeof value === 'string' && !/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(value)) fields[name] = value;
    else if (Array.isArray(value)) fields[name] = value.join(', ');
  }
  return {
    assetId: asset.id,
    projectId: asset.project_id,
    mediaType: asset.media_type,
    state: asset.state,
    editorialState: asset.editorial_state,
    title: asset.title,
    description: asset.description,
    // assets from before the tag limit may carry thousands
    tags: asset.tags.slice(0, MAX_TAGS),
    filename: asset.filename,
    createdAt: new Date(asset.created_at),
    capturedAt,
    fields,
    thumbnailKey,
    ...(Object.keys(schemaFields).length ? { schemaFields } : {}),
  };
}
