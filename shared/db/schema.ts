// Kysely table types: the one description of the database that all code compiles against.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AssetState, MediaType } from '../domain/asset.ts';
import type { EditorialState } from '../domain/editorial.ts';
import type { FieldDefinition, FieldValue } from '../domain/metadata-schema.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export interface ProjectsTable {
  id: string;
  name: string;
  settings: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface AssetsTable {
  id: string;
  project_id: string;
  state: AssetState;
  state_reason: string | null;
  /** the editorial lifecycle (domain/editorial.ts), apart from the processing state; migration 0009 */
  editorial_state: ColumnType<EditorialState, EditorialState | undefined, EditorialState>;
  media_type: MediaType;
  title: string;
  description: string;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  filename: string;
  content_type: string;
  size_bytes: ColumnType<string, number | bigint | string, number | bigint | string>;
  sha256: string | null;
  expected_sha256: string | null;
  storage_key: string;
  duplicate_of: string | null;
  owner: string;
  version: number;
  progress: Json<{ stage: string; percent: number } | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
  /** the file version whose master and renditions the asset shows (asset_file_versions); migration 0032 */
  file_version: ColumnType<number, number | undefined, number>;
  /** schema field values by name (domain/metadata-schema.ts); migration 0030 */
  fields: ColumnType<Record<string, FieldValue>, Record<string, FieldValue> | string | undefined, Record<string, FieldValue> | string>;
  /** when the rights-expired event was raised (the rights expiry had begun); null while the rights are current */
  rights_expired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** A project's metadata schema, one row per version (migration 0030). */
export interface MetadataSchemasTable {
  project_id: string;
  version: number;
  fields: Json<FieldDefinition[]>;
  created_by: string;
  created_at: Timestamp;
}

export interface AssetEventsTable {
  asset_id: string;
  version: number;
  type: string;
  actor: string;
  data: Json<Record<string, unknown>>;
  /** the columns this event set (JSON; dates as ISO strings); null on entries from before migration 0010 */
  changes: Json<Record<string, unknown> | null>;
  occurred_at: Timestamp;
}

export interface AssetSnapshotsTable {
  asset_id: string;
  version: number;
  /** the whole asset row at that version (JSON) */
  state: Json<Record<string, unknown>>;
  taken_at: Timestamp;
}

export interface AssetMetadataTable {
  asset_id: string;
  kind: 'technical' | 'descriptive' | 'ai';
  data: Json<Record<string, unknown>>;
  updated_at: Timestamp;
}

export type FileVersionState = 'uploading' | 'current' | 'previous' | 'failed';

/** One file of an asset: every version's master and, once another is current, the renditions it had; migration 0032. */
export interface AssetFileVersionsTable {
  asset_id: string;
  file_version: number;
  state: FileVersionState;
  /** the upload that brings this version's file (null for version 1, recorded when version 2 starts) */
  upload_id: string | null;
  filename: string;
  content_type: string;
  media_type: MediaType;
  size_bytes: ColumnType<string, number | bigint | string, number | bigint | string>;
  expected_sha256: string | null;
  sha256: string | null;
  storage_key: string;
  /** the version's rendition rows, kept while another version is current (restored on revert) */
  renditions: Json<Record<string, unknown>[]>;
  /** the version's technical metadata, likewise */
  technical: Json<Record<string, unknown> | null>;
  reason: string | null;
  created_by: string;
  created_at: Timestamp;
}

export interface RenditionsTable {
  asset_id: string;
  name: string;
  storage_key: string;
  content_type: string;
  size_bytes: ColumnType<string, number | bigint | string, number | bigint | string>;
  width: number | null;
  height: number | null;
  /** seconds it plays, measured on the output (video and audio renditions); migration 0006 */
  duration_seconds: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}

export interface UploadsTable {
  id: string;
  asset_id: string;
  project_id: string;
  bucket: string;
  storage_key: string;
  multipart_upload_id: string | null;
  part_size: number | null;
  part_count: number | null;
  expires_at: Timestamp;
  completed_at: Timestamp | null;
  created_at: Timestamp;
}

export interface OutboxTable {
  id: Generated<string>;
  event_id: string;
  type: string;
  source: string;
  subject: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  published_at: Timestamp | null;
  /** the inserting transaction's id (xid8, as text); migration 0020: the analytics export reads in (txid, id) order */
  txid: ColumnType<string, never, never>;
  /** W3C trace context the event carries (migration 0021) */
  traceparent: ColumnType<string | null, string | null | undefined, string | null>;
  tracestate: ColumnType<string | null, string | null | undefined, string | null>;
}

export type ExportBatchState = 'planned' | 'written';

/** The export manifest: one row per batch of the event log, planned before its files are written. */
export interface ExportBatchesTable {
  /** dense sequence numbers of the events in the batch, first_seq … last_seq */
  first_seq: ColumnType<string, number | string, number | string>;
  last_seq: ColumnType<string, number | string, number | string>;
  /** the batch's first and last outbox rows in (txid, id) order */
  from_txid: string;
  from_id: ColumnType<string, number | string, number | string>;
  to_txid: string;
  to_id: ColumnType<string, number | string, number | string>;
  state: ExportBatchState;
  planned_at: Timestamp;
  written_at: Timestamp | null;
}

/** Every file an export wrote: its key, layer, partition and the event sequence numbers it holds. */
export interface ExportFilesTable {
  key: string;
  /** bronze, silver, gold */
  layer: string;
  batch_first_seq: ColumnType<string, number | string, number | string>;
  partition: Json<Record<string, string>>;
  row_count: number;
  bytes: ColumnType<string, number | string, number | string>;
  min_seq: ColumnType<string, number | string, number | string>;
  max_seq: ColumnType<string, number | string, number | string>;
  written_at: Timestamp;
}

export interface ProcessedEventsTable {
  consumer: string;
  event_id: string;
  processed_at: Timestamp;
}

export interface SearchDocumentsTable {
  asset_id: string;
  project_id: string;
  media_type: string;
  state: string;
  title: string;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  /** AI labels (a facet) and person ids (a filter); migration 0004 */
  labels: ColumnType<string[], string[] | undefined, string[]>;
  person_ids: ColumnType<string[], string[] | undefined, string[]>;
  /** viewers find approved documents only, unless their project lets them see the rest; migration 0009 */
  editorial_state: ColumnType<string, string | undefined, string>;
  filename: string;
  created_at: Timestamp;
  captured_at: Timestamp | null;
  document: Json<Record<string, unknown>>;
  search_text: string;
  tsv: ColumnType<string, never, never>;
  /** the collections holding the asset (a filter); migration 0031 */
  collection_ids: ColumnType<string[], string[] | undefined, string[]>;
  /** pgvector text form '[0.1,0.2,...]'; the column exists only where pgvector is installed (migration 0003) */
  embedding: ColumnType<string | null, string | null | undefined, string | null>;
  indexed_at: Timestamp;
}

/**
 * Counts of search documents per project, state, editorial state, media type and UTC month: the whole ('' / '') and per tag and
 * label value (facet 'tags' / 'labels'); kept by triggers on search_documents (migration 0010).
 */
export interface SearchFacetRollupTable {
  project_id: string;
  state: string;
  editorial_state: string;
  media_type: string;
  month: Timestamp;
  facet: string;
  value: string;
  n: ColumnType<number, never, never>;
}

/**
 * The rollup's coarse level (migration 0036): counts over all time per project, state and editorial state; the whole
 * ('' / '') per media type too, tag and label values with media_type ''. Listings without a date range count from it.
 */
export interface SearchFacetRollupCoarseTable {
  project_id: string;
  state: string;
  editorial_state: string;
  media_type: string;
  facet: string;
  value: string;
  n: ColumnType<number, never, never>;
}

export type LabelStatus = 'suggested' | 'accepted' | 'rejected';

export interface AiLabelsTable {
  asset_id: string;
  /** the model's class name (COCO, English) */
  label: string;
  /** the best detection's score, 0..1 */
  confidence: number;
  /** every detection: box (0..1 of the frame) and, in videos, the frame's time */
  detections: Json<{ box: { x: number; y: number; width: number; height: number }; time?: number; confidence: number }[]>;
  status: ColumnType<LabelStatus, LabelStatus | undefined, LabelStatus>;
  decided_by: string | null;
  model: string;
  updated_at: Timestamp;
}

export interface PersonsTable {
  id: string;
  project_id: string;
  name: string | null;
  /** mean face descriptor of the person's faces */
  centroid: Json<number[]>;
  face_count: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FacesTable {
  id: string;
  asset_id: string;
  person_id: string;
  box: Json<{ x: number; y: number; width: number; height: number }>;
  time: number | null;
  confidence: number;
  descriptor: Json<number[]>;
}

export interface AssetEmbeddingsTable {
  asset_id: string;
  model: string;
  vector: Json<number[]>;
  updated_at: Timestamp;
}

export type ImportState = 'running' | 'paused' | 'cancelled';
export type ImportTaskState = 'pending' | 'fetching' | 'uploaded' | 'skipped' | 'retrying' | 'failed' | 'cancelled';

/** One source item: where it is and what the caller said about it. */
export interface ImportItem {
  url: string;
  title?: string;
  description?: string;
  tags?: string[];
  sha256?: string;
  filename?: string;
}

export interface ImportsTable {
  id: string;
  project_id: string;
  owner: string;
  source_type: string;
  /** the source as posted (an S3 source keeps its credentials: the worker needs them) */
  source: Json<Record<string, unknown>>;
  priority: number;
  defaults: Json<{ title?: string; description?: string; tags?: string[] }>;
  state: ImportState;
  item_count: number;
  /** round-robin between batches of one priority: the batch served longest ago goes next */
  last_claimed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ImportTasksTable {
  id: string;
  import_id: string;
  /** position in the source listing */
  ordinal: number;
  item: Json<ImportItem>;
  host: string;
  state: ImportTaskState;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  asset_id: string | null;
  duplicate_of: string | null;
  reason: string | null;
  bytes: ColumnType<string | null, number | null | undefined, number | null>;
  updated_at: Timestamp;
}

export interface ImportTaskEventsTable {
  id: Generated<string>;
  task_id: string;
  import_id: string;
  from_state: string;
  to_state: string;
  reason: string | null;
  attempt: number;
  occurred_at: Timestamp;
}

/** How far (bronze sequence number) a derived layer has been built. */
export interface ExportLayersTable {
  layer: string;
  built_seq: ColumnType<string, number | string, number | string>;
  built_at: Timestamp;
}

/** A project's way out: where published assets go (migration 0015). Credentials are AES-256-GCM ciphertext. */
export interface ChannelsTable {
  id: string;
  project_id: string;
  name: string;
  type: string;
  target: Json<Record<string, unknown>>;
  /** `<key id>.<iv>.<tag>.<ciphertext>` (base64url), shared/distribution/secrets.ts */
  credentials: string;
  renditions: ColumnType<string[], string[] | undefined, string[]>;
  /** timeoutMs, maxAttempts, retryBaseMs, retryMaxMs, concurrency, breakerThreshold, breakerHalfOpenMs */
  settings: Json<Record<string, number>>;
  breaker_state: ColumnType<string, string | undefined, string>;
  breaker_changed_at: Timestamp | null;
  version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type PublicationState = 'scheduled' | 'pending' | 'delivering' | 'delivered' | 'failed' | 'retracting' | 'retracted';

export interface PublicationsTable {
  id: string;
  project_id: string;
  asset_id: string;
  asset_version: number;
  channel_id: string;
  /** one per (asset version, channel): the receiver's dedup key and ours */
  idempotency_key: string;
  state: PublicationState;
  /** embargo: nothing is delivered before it */
  not_before: Timestamp;
  renditions: ColumnType<string[], string[] | undefined, string[]>;
  attempts: ColumnType<number, number | undefined, number>;
  /** when the next step (delivery, retry, retraction) is due; null once nothing is left to do */
  due_at: Timestamp | null;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  last_error: string | null;
  external_id: string | null;
  external_url: string | null;
  /** what the adapter needs to resume or retract (remote paths, an upload session) */
  checkpoint: Json<Record<string, unknown>>;
  requested_by: string;
  rule_id: string | null;
  delivered_at: Timestamp | null;
  retracted_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PublicationEventsTable {
  id: Generated<string>;
  publication_id: string;
  asset_id: string;
  from_state: string;
  to_state: string;
  reason: string | null;
  attempt: number;
  actor: string;
  occurred_at: Timestamp;
}

/** "when an asset becomes approved and matches, publish to these channels (after N minutes)"; versioned. */
export interface DistributionRulesTable {
  id: string;
  project_id: string;
  name: string;
  match: Json<Record<string, unknown>>;
  channel_ids: ColumnType<string[], string[], string[]>;
  delay_minutes: number;
  enabled: boolean;
  version: number;
  deleted_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** every version of every rule, with who made it: the audit trail */
export interface DistributionRuleVersionsTable {
  rule_id: string;
  version: number;
  data: Json<Record<string, unknown>>;
  actor: string;
  changed_at: Timestamp;
}

/** An ordered set of a project's assets (migration 0031). */
export interface CollectionsTable {
  id: string;
  project_id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  version: number;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CollectionItemsTable {
  collection_id: string;
  asset_id: string;
  /** 0-based place in the collection, dense */
  position: number;
  added_by: string;
  added_at: Timestamp;
}

/** A link that opens an asset or a collection without a token; the link's token is kept as its SHA-256 only. */
export interface ShareLinksTable {
  id: string;
  project_id: string;
  token_sha256: string;
  target_type: 'asset' | 'collection';
  target_id: string;
  expires_at: Timestamp | null;
  /** scrypt (functions/assets/shares.ts); null: no password */
  password_hash: string | null;
  /** renditions the link hands out; null: every one */
  renditions: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  allow_original: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  access_count: ColumnType<number, number | undefined, number>;
  last_access_at: Timestamp | null;
}

/** Append-only: who did what to which target, when and from which address (migration 0031). */
export interface AuditLogTable {
  id: Generated<string>;
  project_id: string;
  occurred_at: Timestamp;
  actor: string;
  /** 'api' (a bearer token) or 'share-link' */
  via: string;
  action: string;
  target_type: string;
  target_id: string;
  address: string | null;
  details: Json<Record<string, unknown>>;
}

export interface DB {
  collections: CollectionsTable;
  collection_items: CollectionItemsTable;
  share_links: ShareLinksTable;
  audit_log: AuditLogTable;
  projects: ProjectsTable;
  assets: AssetsTable;
  metadata_schemas: MetadataSchemasTable;
  asset_events: AssetEventsTable;
  asset_metadata: AssetMetadataTable;
  renditions: RenditionsTable;
  uploads: UploadsTable;
  outbox: OutboxTable;
  processed_events: ProcessedEventsTable;
  search_documents: SearchDocumentsTable;
  search_facet_rollup: SearchFacetRollupTable;
  search_facet_rollup_coarse: SearchFacetRollupCoarseTable;
  asset_snapshots: AssetSnapshotsTable;
  asset_file_versions: AssetFileVersionsTable;
  ai_labels: AiLabelsTable;
  persons: PersonsTable;
  faces: FacesTable;
  asset_embeddings: AssetEmbeddingsTable;
  imports: ImportsTable;
  import_tasks: ImportTasksTable;
  import_task_events: ImportTaskEventsTable;
  export_batches: ExportBatchesTable;
  export_files: ExportFilesTable;
  export_layers: ExportLayersTable;
  channels: ChannelsTable;
  publications: PublicationsTable;
  publication_events: PublicationEventsTable;
  distribution_rules: DistributionRulesTable;
  distribution_rule_versions: DistributionRuleVersionsTable;
  dead_letters: DeadLettersTable;
  replay_runs: ReplayRunsTable;
}

/** An event the embedded default's in-process delivery gave up on, per consumer (migration 0035). */
export interface DeadLettersTable {
  id: Generated<string>;
  consumer: string;
  event_id: string;
  type: string;
  subject: string | null;
  reason: string;
  /** the CloudEvent as it was delivered */
  event: Json<Record<string, unknown>>;
  dead_at: Timestamp;
}

/** A replay started through POST /admin/replays (migration 0035). */
export interface ReplayRunsTable {
  id: string;
  target: string;
  state: 'running' | 'done' | 'failed';
  requested_by: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  result: Json<Record<string, unknown> | null>;
  error: string | null;
  /** the runner touches it while it works; a run whose heartbeat stopped belongs to a process that died */
  heartbeat_at: Timestamp;
}

export type Asset = Selectable<AssetsTable>;
export type NewAsset = Insertable<AssetsTable>;
export type AssetUpdate = Updateable<AssetsTable>;
export type Rendition = Selectable<RenditionsTable>;
export type FileVersion = Selectable<AssetFileVersionsTable>;
export type Upload = Selectable<UploadsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type Import = Selectable<ImportsTable>;
export type ImportTask = Selectable<ImportTasksTable>;
export type ChannelRow = Selectable<ChannelsTable>;
export type Publication = Selectable<PublicationsTable>;
export type DistributionRule = Selectable<DistributionRulesTable>;
export type Collection = Selectable<CollectionsTable>;
export type ShareLink = Selectable<ShareLinksTable>;
export type AuditEntry = Selectable<AuditLogTable>;
