// Silver: the curated catalogue — one row per asset (its current row, schema field values and rights, technical
// metadata, labels, people, renditions, publications, and when each stage of the pipeline first finished) — and
// one row per rendition. Built
// incrementally from bronze: the events after the last build name the assets that changed; only those are read
// again from the database and replace their rows, the rest is carried over from the previous files. Each build
// puts silver/assets.parquet and silver/renditions.parquet whole (a PUT replaces an object atomically), then
// records how far it got; a crash in between builds the same assets again, which gives the same rows.
import type { Kysely } from 'kysely';
import { type CatalogueEntry, bronzeFilesAfter, catalogueEntries, layerBuiltSeq, recordLayerBuilt } from '../db/analytics-export.ts';
import { assetIdsWithPerson } from '../db/enrichment.ts';
import type { DB } from '../db/schema.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { BRONZE_EVENT_SCHEMA } from './bronze.ts';
import { type TableSchema, parquetBuffer, readParquet } from './parquet.ts';

export const SILVER_ASSETS_KEY = 'silver/assets.parquet';
export const SILVER_RENDITIONS_KEY = 'silver/renditions.parquet';

export const SILVER_ASSET_SCHEMA: TableSchema = {
  asset_id: { type: 'UTF8' },
  project_id: { type: 'UTF8' },
  state: { type: 'UTF8' },
  state_reason: { type: 'UTF8', optional: true },
  /** the publication status: draft, in_review, approved, rejected, archived */
  editorial_state: { type: 'UTF8' },
  media_type: { type: 'UTF8' },
  title: { type: 'UTF8' },
  description: { type: 'UTF8' },
  /** JSON array */
  tags: { type: 'UTF8' },
  filename: { type: 'UTF8' },
  content_type: { type: 'UTF8' },
  size_bytes: { type: 'INT64' },
  sha256: { type: 'UTF8', optional: true },
  duplicate_of: { type: 'UTF8', optional: true },
  owner: { type: 'UTF8' },
  version: { type: 'INT64' },
  created_at: { type: 'TIMESTAMP_MILLIS' },
  updated_at: { type: 'TIMESTAMP_MILLIS' },
  deleted_at: { type: 'TIMESTAMP_MILLIS', optional: true },
  /** JSON object: the schema field values by name (domain/metadata-schema.ts), the rights fields included */
  fields: { type: 'UTF8', optional: true },
  /** the built-in rights fields, as columns (null when unset) */
  credit: { type: 'UTF8', optional: true },
  copyright: { type: 'UTF8', optional: true },
  license: { type: 'UTF8', optional: true },
  usage_terms: { type: 'UTF8', optional: true },
  /** YYYY-MM-DD: from this day on the asset may not be published */
  rights_expiry: { type: 'UTF8', optional: true },
  /** when the rights-expired event was raised; null while the rights are current */
  rights_expired_at: { type: 'TIMESTAMP_MILLIS', optional: true },
  /** JSON array of {channel_id, state, version, delivered_at}: the asset's publications, by channel then version */
  publications: { type: 'UTF8', optional: true },
  /** channels where the asset is out now (a publication in state delivered) */
  published_channels: { type: 'INT64', optional: true },
  /** JSON: the technical metadata (EXIF, codecs, duration…) */
  technical: { type: 'UTF8', optional: true },
  /** JSON array of {label, status, confidence} */
  labels: { type: 'UTF8' },
  /** JSON array of person ids */
  person_ids: { type: 'UTF8' },
  rendition_count: { type: 'INT64' },
  rendition_bytes: { type: 'INT64' },
  /** when each stage first finished (the event's time): verified, renditions made, enriched; the last failure */
  uploaded_at: { type: 'TIMESTAMP_MILLIS', optional: true },
  rendered_at: { type: 'TIMESTAMP_MILLIS', optional: true },
  enriched_at: { type: 'TIMESTAMP_MILLIS', optional: true },
  failed_at: { type: 'TIMESTAMP_MILLIS', optional: true },
  /** JSON: the last enrichment's outcome per model ({objects: "done", ocr: "unavailable", …}) */
  enrichment: { type: 'UTF8', optional: true },
  /** the bronze sequence number of the last event about this asset */
  last_seq: { type: 'INT64' },
};

export const SILVER_RENDITION_SCHEMA: TableSchema = {
  asset_id: { type: 'UTF8' },
  project_id: { type: 'UTF8' },
  name: { type: 'UTF8' },
  content_type: { type: 'UTF8' },
  size_bytes: { type: 'INT64' },
  width: { type: 'INT64', optional: true },
  height: { type: 'INT64', optional: true },
  duration_seconds: { type: 'DOUBLE', optional: true },
  storage_key: { type: 'UTF8' },
  created_at: { type: 'TIMESTAMP_MILLIS' },
};

export type Row = Record<string, unknown>;

export interface SilverResult {
  /** assets read again from the database in this build */
  changed: number;
  assets: number;
  renditions: number;
  builtSeq: number;
  /** the catalogue as written, for gold */
  rows: Row[];
}

/**
 * Brings silver up to the last bronze event, then hands the catalogue to `derive` (gold); undefined when bronze
 * has nothing new. The caller holds the export lock.
 */
export async function buildSilver(db: Kysely<DB>, store: ObjectStore, derive: (catalogue: Row[]) => Promise<unknown>, options: { fromScratch?: boolean } = {}): Promise<SilverResult | undefined> {
  const bucket = store.buckets.analytics;
  // a replay (`npm run replay -- --target catalogue`) builds from every bronze file, ignoring the previous files
  const builtSeq = options.fromScratch ? 0 : await layerBuiltSeq(db, 'silver');
  const events: Row[] = [];
  for (const file of await bronzeFilesAfter(db, builtSeq)) {
    for (const row of await readParquet(await objectBytes(store, bucket, file.key), BRONZE_EVENT_SCHEMA)) if ((row.seq as number) > builtSeq) events.push(row);
  }
  if (events.length === 0) return undefined;
  events.sort((a, b) => (a.seq as number) - (b.seq as number));

  const previous = builtSeq > 0 ? await readParquet(await objectBytes(store, bucket, SILVER_ASSETS_KEY), SILVER_ASSET_SCHEMA) : [];
  const previousRenditions = builtSeq > 0 ? await readParquet(await objectBytes(store, bucket, SILVER_RENDITIONS_KEY), SILVER_RENDITION_SCHEMA) : [];
  const assets = new Map(previous.map((row) => [row.asset_id as string, row]));

  const stages = new Map<string, StageTimes>();
  const stageOf = (assetId: string) => {
    if (!stages.has(assetId)) stages.set(assetId, stageTimesOf(assets.get(assetId)));
    return stages.get(assetId)!;
  };
  const touched = new Set<string>();
  for (const event of events) {
    const data = JSON.parse(event.data as string) as { assetId?: string; personId?: string; parts?: Record<string, { status: string }> };
    if (event.type === 'io.mediateca.person.updated' && data.personId) {
      for (const assetId of await assetIdsWithPerson(db, data.personId)) touched.add(assetId);
      continue;
    }
    if (!data.assetId) continue;
    touched.add(data.assetId);
    const times = stageOf(data.assetId);
    const at = event.time as Date;
    times.lastSeq = event.seq as number;
    if (event.type === 'io.mediateca.asset.uploaded') times.uploadedAt ??= at;
    if (event.type === 'io.mediateca.asset.rendered') times.renderedAt ??= at;
    if (event.type === 'io.mediateca.asset.failed') times.failedAt = at;
    if (event.type === 'io.mediateca.asset.enriched') {
      times.enrichedAt ??= at;
      times.enrichment = Object.fromEntries(Object.entries(data.parts ?? {}).map(([part, outcome]) => [part, outcome.status]));
    }
  }

  const entries = await catalogueEntries(db, [...touched]);
  for (const entry of entries) assets.set(entry.asset.id, silverAssetRow(entry, stageOf(entry.asset.id)));
  const fresh = new Set(entries.map((entry) => entry.asset.id));
  const renditions = [
    ...previousRenditions.filter((row) => !fresh.has(row.asset_id as string)),
    ...entries.flatMap((entry) => entry.renditions.map((r) => ({
      asset_id: r.asset_id, project_id: entry.asset.project_id, name: r.name, content_type: r.content_type, size_bytes: Number(r.size_bytes),
      width: r.width, height: r.height, duration_seconds: r.duration_seconds, storage_key: r.storage_key, created_at: new Date(r.created_at),
    }))),
  ].sort((a, b) => `${a.asset_id}/${a.name}`.localeCompare(`${b.asset_id}/${b.name}`));
  const rows = [...assets.values()].sort((a, b) => (a.asset_id as string).localeCompare(b.asset_id as string));

  const assetsFile = await parquetBuffer(SILVER_ASSET_SCHEMA, rows);
  const renditionsFile = await parquetBuffer(SILVER_RENDITION_SCHEMA, renditions);
  await store.put(bucket, SILVER_ASSETS_KEY, assetsFile, 'application/vnd.apache.parquet', assetsFile.length);
  await store.put(bucket, SILVER_RENDITIONS_KEY, renditionsFile, 'application/vnd.apache.parquet', renditionsFile.length);
  // what derives from the catalogue (gold) is written before the build is recorded, so a crash redoes both
  await derive(rows);
  const newBuiltSeq = events.at(-1)!.seq as number;
  await recordLayerBuilt(db, 'silver', newBuiltSeq);
  return { changed: entries.length, assets: rows.length, renditions: renditions.length, builtSeq: newBuiltSeq, rows };
}

interface StageTimes {
  uploadedAt?: Date;
  renderedAt?: Date;
  enrichedAt?: Date;
  failedAt?: Date;
  enrichment?: Record<string, string>;
  lastSeq: number;
}

function stageTimesOf(row: Row | undefined): StageTimes {
  return {
    uploadedAt: (row?.uploaded_at as Date | null) ?? undefined,
    renderedAt: (row?.rendered_at as Date | null) ?? undefined,
    enrichedAt: (row?.enriched_at as Date | null) ?? undefined,
    failedAt: (row?.failed_at as Date | null) ?? undefined,
    enrichment: row?.enrichment ? JSON.parse(row.enrichment as string) : undefined,
    lastSeq: (row?.last_seq as number | undefined) ?? 0,
  };
}

function silverAssetRow({ asset, technical, labels, personIds, renditions, publications }: CatalogueEntry, times: StageTimes): Row {
  const fields = asset.fields ?? {};
  const text = (name: string) => (fields[name] === undefined || fields[name] === null ? null : String(fields[name]));
  return {
    asset_id: asset.id,
    project_id: asset.project_id,
    state: asset.state,
    state_reason: asset.state_reason,
    editorial_state: asset.editorial_state,
    media_type: asset.media_type,
    title: asset.title,
    description: asset.description,
    tags: JSON.stringify(asset.tags),
    filename: asset.filename,
    content_type: asset.content_type,
    size_bytes: Number(asset.size_bytes),
    sha256: asset.sha256,
    duplicate_of: asset.duplicate_of,
    owner: asset.owner,
    version: asset.version,
    created_at: new Date(asset.created_at),
    updated_at: new Date(asset.updated_at),
    deleted_at: asset.deleted_at ? new Date(asset.deleted_at) : null,
    fields: JSON.stringify(fields),
    credit: text('credit'),
    copyright: text('copyright'),
    license: text('license'),
    usage_terms: text('usageTerms'),
    rights_expiry: text('rightsExpiry'),
    rights_expired_at: asset.rights_expired_at ? new Date(asset.rights_expired_at) : null,
    publications: JSON.stringify(publications.map((p) => ({ channel_id: p.channel_id, state: p.state, version: p.asset_version, delivered_at: p.delivered_at?.toISOString() ?? null }))),
    published_channels: new Set(publications.filter((p) => p.state === 'delivered').map((p) => p.channel_id)).size,
    technical: technical ? JSON.stringify(technical) : null,
    labels: JSON.stringify(labels),
    person_ids: JSON.stringify(personIds),
    rendition_count: renditions.length,
    rendition_bytes: renditions.reduce((sum, r) => sum + Number(r.size_bytes), 0),
    uploaded_at: times.uploadedAt ?? null,
    rendered_at: times.renderedAt ?? null,
    enriched_at: times.enrichedAt ?? null,
    failed_at: times.failedAt ?? null,
    enrichment: times.enrichment ? JSON.stringify(times.enrichment) : null,
    last_seq: times.lastSeq,
  };
}

export async function objectBytes(store: ObjectStore, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.getStream(bucket, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
