// One migration set for PGlite and PostgreSQL 15. Kept in code so bundles carry it.
import { DEFAULT_MIGRATION_TABLE, type Kysely, type Migration, Migrator, sql } from 'kysely';
import { DEFAULT_EMBEDDING_DIMENSIONS } from '../config.ts';

/**
 * Semantic search needs pgvector. PGlite ships it; Debian's PostgreSQL 15 does not, and there the table gets
 * nothing vector-related: the search adapter sees no embedding column and says semantic is unavailable.
 * The dimension is fixed when this runs (SEARCH_EMBEDDING_DIMENSIONS, 512 by default).
 */
function vectorsMigration(dimensions: number): Migration {
  return {
    async up(db: Kysely<any>) {
      const available = await sql`select 1 from pg_available_extensions where name = 'vector'`.execute(db);
      if (available.rows.length === 0) return;
      await sql`create extension if not exists vector`.execute(db);
      await sql`alter table search_documents add column embedding ${sql.raw(`vector(${dimensions})`)}`.execute(db);
      await sql`create index search_documents_embedding on search_documents using hnsw (embedding vector_cosine_ops)`.execute(db);
    },
  };
}

/**
 * On PGlite the search adapter finds the nearest embeddings in the term index's own HNSW graph (native, in the
 * process: term-index.ts), which holds a million vectors where PGlite's 2 GB WebAssembly memory cannot build one;
 * pgvector's HNSW index there only slowed every insert (185 documents/s in bulk). Without it SQL still answers
 * exactly, by distance over the rows the filters leave. A server keeps its pgvector index.
 */
function vectorsInProcessMigration(driver: Driver | undefined): Migration {
  return {
    async up(db: Kysely<any>) {
      if (driver === 'pglite') await sql`drop index if exists search_documents_embedding`.execute(db);
    },
  };
}

const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();

      await db.schema
        .createTable('assets')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('state_reason', 'text')
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text')
        .addColumn('expected_sha256', 'text')
        .addColumn('storage_key', 'text', (c) => c.notNull())
        .addColumn('duplicate_of', 'uuid')
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('progress', 'jsonb')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('deleted_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('assets_project_sha256').on('assets').columns(['project_id', 'sha256']).execute();
      await db.schema.createIndex('assets_project_created').on('assets').columns(['project_id', 'created_at']).execute();

      await db.schema
        .createTable('asset_events')
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        // Optimistic concurrency: two writers of the same version cannot both commit.
        .addPrimaryKeyConstraint('asset_events_pk', ['asset_id', 'version'])
        .execute();

      await db.schema
        .createTable('asset_metadata')
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('asset_metadata_pk', ['asset_id', 'kind'])
        .execute();

      await db.schema
        .createTable('renditions')
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('storage_key', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('renditions_pk', ['asset_id', 'name'])
        .execute();

      await db.schema
        .createTable('uploads')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('storage_key', 'text', (c) => c.notNull())
        .addColumn('multipart_upload_id', 'text')
        .addColumn('part_size', 'integer')
        .addColumn('part_count', 'integer')
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('completed_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('uploads_storage_key').on('uploads').columns(['bucket', 'storage_key']).unique().execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('published_at', 'timestamptz')
        .execute();
      await sql`create index outbox_unpublished on outbox (id) where published_at is null`.execute(db);

      await db.schema
        .createTable('processed_events')
        .addColumn('consumer', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('processed_events_pk', ['consumer', 'event_id'])
        .execute();
    },
  },
  '0002_search': {
    async up(db: Kysely<any>) {
      // Accent-insensitive Spanish and English: unaccent runs before each stemmer.
      await sql`create extension if not exists unaccent`.execute(db);
      for (const [language, name] of [['spanish', 'mediateca_es'], ['english', 'mediateca_en']] as const) {
        const config = sql.raw(name);
        await sql`create text search configuration ${config} (copy = pg_catalog.${sql.raw(language)})`.execute(db);
        await sql`alter text search configuration ${config} alter mapping for hword, hword_part, word with unaccent, ${sql.raw(`${language}_stem`)}`.execute(db);
      }
      await db.schema
        .createTable('search_documents')
        .addColumn('asset_id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('tags', sql`text[]`, (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('captured_at', 'timestamptz')
        .addColumn('document', 'jsonb', (c) => c.notNull())
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('tsv', sql`tsvector`, (c) => c.notNull())
        .addColumn('indexed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index search_documents_tsv on search_documents using gin (tsv)`.execute(db);
      await sql`create index search_documents_tags on search_documents using gin (tags)`.execute(db);
      await db.schema.createIndex('search_documents_created').on('search_documents').columns(['created_at', 'asset_id']).execute();
      await db.schema.createIndex('search_documents_project').on('search_documents').columns(['project_id', 'media_type']).execute();
    },
  },
  '0003_vectors': vectorsMigration(DEFAULT_EMBEDDING_DIMENSIONS),
  '0004_search_people': {
    // People (face cluster ids) as a filter and AI labels as a facet: arrays with GIN indexes, like tags.
    async up(db: Kysely<any>) {
      await sql`alter table search_documents add column labels text[] not null default '{}', add column person_ids text[] not null default '{}'`.execute(db);
      await sql`update search_documents set labels = array(select jsonb_array_elements_text(document->'labels')) where document ? 'labels'`.execute(db);
      await sql`create index search_documents_labels on search_documents using gin (labels)`.execute(db);
      await sql`create index search_documents_person_ids on search_documents using gin (person_ids)`.execute(db);
    },
  },
  '0005_enrichment': {
    // What enrich finds. Labels keep an editor's decision across re-runs; faces point at people, clustered per
    // project; one embedding per asset (CLIP image space) that the index copies into search_documents.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ai_labels')
        .addColumn('asset_id', 'uuid', (c) => c.notNull().references('assets.id').onDelete('cascade'))
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('confidence', 'real', (c) => c.notNull())
        .addColumn('detections', 'jsonb', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('suggested'))
        .addColumn('decided_by', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('ai_labels_pk', ['asset_id', 'label'])
        .execute();
      await db.schema
        .createTable('persons')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('centroid', 'jsonb', (c) => c.notNull())
        .addColumn('face_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('persons_project').on('persons').column('project_id').execute();
      await db.schema
        .createTable('faces')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('asset_id', 'uuid', (c) => c.notNull().references('assets.id').onDelete('cascade'))
        .addColumn('person_id', 'uuid', (c) => c.notNull().references('persons.id'))
        .addColumn('box', 'jsonb', (c) => c.notNull())
        .addColumn('time', 'real')
        .addColumn('confidence', 'real', (c) => c.notNull())
        .addColumn('descriptor', 'jsonb', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('faces_asset').on('faces').column('asset_id').execute();
      await db.schema.createIndex('faces_person').on('faces').column('person_id').execute();
      await db.schema
        .createTable('asset_embeddings')
        .addColumn('asset_id', 'uuid', (c) => c.primaryKey().references('assets.id').onDelete('cascade'))
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('vector', 'jsonb', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  '0006_rendition_duration': {
    // Seconds a time-based rendition plays, measured on the file made (null for stills and for renditions made
    // before this migration, until the asset is reprocessed).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('renditions').addColumn('duration_seconds', 'double precision').execute();
    },
  },
  '0007_imports': {
    // Bulk ingest: a batch (imports) of tasks, one per source item, claimed by workers with a lease; every task
    // transition is appended to import_task_events.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('imports')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('source_type', 'text', (c) => c.notNull())
        .addColumn('source', 'jsonb', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('defaults', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('item_count', 'integer', (c) => c.notNull())
        .addColumn('last_claimed_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('imports_project_created').on('imports').columns(['project_id', 'created_at']).execute();
      await db.schema
        .createTable('import_tasks')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('import_id', 'uuid', (c) => c.notNull().references('imports.id').onDelete('cascade'))
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('item', 'jsonb', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'timestamptz')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'timestamptz')
        .addColumn('asset_id', 'uuid')
        .addColumn('duplicate_of', 'uuid')
        .addColumn('reason', 'text')
        .addColumn('bytes', 'bigint')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('import_tasks_ordinal', ['import_id', 'ordinal'])
        .execute();
      await db.schema.createIndex('import_tasks_state').on('import_tasks').columns(['import_id', 'state', 'ordinal']).execute();
      await sql`create index import_tasks_open on import_tasks (state, next_attempt_at) where state in ('pending', 'retrying', 'fetching')`.execute(db);
      await db.schema
        .createTable('import_task_events')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('task_id', 'uuid', (c) => c.notNull().references('import_tasks.id').onDelete('cascade'))
        .addColumn('import_id', 'uuid', (c) => c.notNull())
        .addColumn('from_state', 'text', (c) => c.notNull())
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('import_task_events_task').on('import_task_events').columns(['task_id', 'id']).execute();
    },
  },
  '0009_editorial_state': {
    // The editorial lifecycle (shared/domain/editorial.ts). Assets from before it were visible to every reader of
    // their project, as approved assets are now: they start approved so an upgrade hides nothing; new ones start
    // in draft. Their search documents likewise (the index writes the column from then on).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('assets').addColumn('editorial_state', 'text', (c) => c.notNull().defaultTo('approved')).execute();
      await sql`alter table assets alter column editorial_state set default 'draft'`.execute(db);
      await db.schema.alterTable('search_documents').addColumn('editorial_state', 'text', (c) => c.notNull().defaultTo('approved')).execute();
    },
  },
  '0010_event_changes': {
    // Each history entry records the columns it changed, so the asset row is a projection of its events (replay,
    // time travel, rebuild). Entries from before carry none: their assets replay only from a later snapshot.
    // Snapshots: the whole row every SNAPSHOT_EVERY versions, so a load replays at most that many events.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('asset_events').addColumn('changes', 'jsonb').execute();
      await db.schema
        .createTable('asset_snapshots')
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('state', 'jsonb', (c) => c.notNull())
        .addColumn('taken_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('asset_snapshots_pk', ['asset_id', 'version'])
        .execute();
    },
  },
  '0010_search_rollup': {
    // Exact listing totals and facets without reading every document: counts per project, state, editorial state,
    // media type and month (UTC), as a whole ('' / '') and per tag and label, kept by statement-level triggers on search_documents
    // (one grouped upsert per statement, in key order so concurrent writers lock rows in the same order).
    async up(db: Kysely<any>) {
      await sql`create table search_facet_rollup (
        project_id text not null, state text not null, editorial_state text not null, media_type text not null, month timestamptz not null,
        facet text not null, value text not null, n bigint not null,
        primary key (project_id, state, editorial_state, media_type, month, facet, value))`.execute(db);
      await sql`create function search_facet_rollup_apply() returns trigger language plpgsql as $$
        begin
          insert into search_facet_rollup as r (project_id, state, editorial_state, media_type, month, facet, value, n)
          select project_id, state, editorial_state, media_type, month, facet, value, sum(sign) from (
            select d.project_id, d.state, d.editorial_state, d.media_type, date_trunc('month', d.created_at, 'UTC') as month, f.facet, f.value, d.sign
            from (
              select project_id, state, editorial_state, media_type, created_at, tags, labels, 1 as sign from new_rows
              union all
              select project_id, state, editorial_state, media_type, created_at, tags, labels, -1 from old_rows
            ) d, lateral (select '' as facet, '' as value union all select 'tags', unnest(d.tags) union all select 'labels', unnest(d.labels)) f
          ) changes
          group by 1, 2, 3, 4, 5, 6, 7 having sum(sign) <> 0 order by 1, 2, 3, 4, 5, 6, 7
          on conflict (project_id, state, editorial_state, media_type, month, facet, value) do update set n = r.n + excluded.n;
          return null;
        end $$`.execute(db);
      await sql`create function search_facet_rollup_inserted() returns trigger language plpgsql as $$
        begin
          insert into search_facet_rollup as r (project_id, state, editorial_state, media_type, month, facet, value, n)
          select d.project_id, d.state, d.editorial_state, d.media_type, date_trunc('month', d.created_at, 'UTC'), f.facet, f.value, count(*)
          from new_rows d, lateral (select '' as facet, '' as value union all select 'tags', unnest(d.tags) union all select 'labels', unnest(d.labels)) f
          group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7
          on conflict (project_id, state, editorial_state, media_type, month, facet, value) do update set n = r.n + excluded.n;
          return null;
        end $$`.execute(db);
      await sql`create function search_facet_rollup_deleted() returns trigger language plpgsql as $$
        begin
          insert into search_facet_rollup as r (project_id, state, editorial_state, media_type, month, facet, value, n)
          select d.project_id, d.state, d.editorial_state, d.media_type, date_trunc('month', d.created_at, 'UTC'), f.facet, f.value, -count(*)
          from old_rows d, lateral (select '' as facet, '' as value union all select 'tags', unnest(d.tags) union all select 'labels', unnest(d.labels)) f
          group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7
          on conflict (project_id, state, editorial_state, media_type, month, facet, value) do update set n = r.n + excluded.n;
          return null;
        end $$`.execute(db);
      await sql`create trigger search_facet_rollup_insert after insert on search_documents referencing new table as new_rows
        for each statement execute function search_facet_rollup_inserted()`.execute(db);
      await sql`create trigger search_facet_rollup_update after update on search_documents referencing old table as old_rows new table as new_rows
        for each statement execute function search_facet_rollup_apply()`.execute(db);
      await sql`create trigger search_facet_rollup_delete after delete on search_documents referencing old table as old_rows
        for each statement execute function search_facet_rollup_deleted()`.execute(db);
      await sql`insert into search_facet_rollup (project_id, state, editorial_state, media_type, month, facet, value, n)
        select d.project_id, d.state, d.editorial_state, d.media_type, date_trunc('month', d.created_at, 'UTC'), f.facet, f.value, count(*)
        from search_documents d, lateral (select '' as facet, '' as value union all select 'tags', unnest(d.tags) union all select 'labels', unnest(d.labels)) f
        group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
    },
  },
  '0015_distribution': {
    // Distribution: channels (credentials encrypted), publications (one per asset version and channel, claimed
    // with a lease like import tasks), their transitions, and versioned publishing rules.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('channels')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('target', 'jsonb', (c) => c.notNull())
        .addColumn('credentials', 'text', (c) => c.notNull())
        .addColumn('renditions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
        .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('breaker_state', 'text', (c) => c.notNull().defaultTo('closed'))
        .addColumn('breaker_changed_at', 'timestamptz')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('channels_project_name', ['project_id', 'name'])
        .execute();
      await db.schema
        .createTable('publications')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('asset_version', 'integer', (c) => c.notNull())
        .addColumn('channel_id', 'uuid', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('not_before', 'timestamptz', (c) => c.notNull())
        .addColumn('renditions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('due_at', 'timestamptz')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'timestamptz')
        .addColumn('last_error', 'text')
        .addColumn('external_id', 'text')
        .addColumn('external_url', 'text')
        .addColumn('checkpoint', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'uuid')
        .addColumn('delivered_at', 'timestamptz')
        .addColumn('retracted_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('publications_once', ['channel_id', 'asset_id', 'asset_version'])
        .execute();
      await db.schema.createIndex('publications_asset').on('publications').columns(['asset_id', 'created_at']).execute();
      await db.schema.createIndex('publications_channel_state').on('publications').columns(['channel_id', 'state', 'created_at']).execute();
      await sql`create index publications_due on publications (due_at) where due_at is not null`.execute(db);
      await db.schema
        .createTable('publication_events')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('publication_id', 'uuid', (c) => c.notNull().references('publications.id').onDelete('cascade'))
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('from_state', 'text', (c) => c.notNull())
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('publication_events_asset').on('publication_events').columns(['asset_id', 'id']).execute();
      await db.schema
        .createTable('distribution_rules')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('match', 'jsonb', (c) => c.notNull())
        .addColumn('channel_ids', sql`uuid[]`, (c) => c.notNull())
        .addColumn('delay_minutes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('deleted_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('distribution_rules_project').on('distribution_rules').columns(['project_id']).execute();
      await db.schema
        .createTable('distribution_rule_versions')
        .addColumn('rule_id', 'uuid', (c) => c.notNull().references('distribution_rules.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('distribution_rule_versions_pk', ['rule_id', 'version'])
        .execute();
    },
  },
  '0020_analytics_export': {
    // The outbox is the event log the analytics export reads. An id (bigserial) is taken when a row is inserted,
    // not when its transaction commits, so a smaller id can still appear after a bigger one was read: each row
    // keeps its transaction id (xid8), and the export reads only rows of transactions older than every one still
    // running (pg_snapshot_xmin), in (txid, id) order, which no later commit can fall behind.
    // export_batches is the manifest: a batch is planned (its range and dense sequence numbers) before any file is
    // written, and marked written, with its files, after; a crash in between redoes exactly that range.
    async up(db: Kysely<any>) {
      await sql`alter table outbox add column txid xid8 not null default pg_current_xact_id()`.execute(db);
      await sql`create index outbox_export_order on outbox (txid, id)`.execute(db);
      await db.schema
        .createTable('export_batches')
        .addColumn('first_seq', 'bigint', (c) => c.primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('from_txid', 'text', (c) => c.notNull())
        .addColumn('from_id', 'bigint', (c) => c.notNull())
        .addColumn('to_txid', 'text', (c) => c.notNull())
        .addColumn('to_id', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('planned_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('written_at', 'timestamptz')
        .execute();
      await db.schema
        .createTable('export_files')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('layer', 'text', (c) => c.notNull())
        .addColumn('batch_first_seq', 'bigint', (c) => c.notNull())
        .addColumn('partition', 'jsonb', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('min_seq', 'bigint', (c) => c.notNull())
        .addColumn('max_seq', 'bigint', (c) => c.notNull())
        .addColumn('written_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('export_files_layer').on('export_files').columns(['layer', 'batch_first_seq']).execute();
      // how far (bronze sequence number) each derived layer (silver) has been built
      await db.schema
        .createTable('export_layers')
        .addColumn('layer', 'text', (c) => c.primaryKey())
        .addColumn('built_seq', 'bigint', (c) => c.notNull())
        .addColumn('built_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  '0021_event_trace_context': {
    // The W3C trace context an event carries (CloudEvents traceparent / tracestate), kept with it in the outbox so
    // the relay publishes it on and the trace continues in the consumers.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('outbox').addColumn('traceparent', 'text').addColumn('tracestate', 'text').execute();
    },
  },
  '0030_metadata_schemas': {
    // Per-project metadata schemas (shared/domain/metadata-schema.ts), every version kept: a change never rewrites
    // the values stored. The values live on the asset (`fields`, JSON by field name) and travel in its events like
    // every column, so a rebuild from events restores them; `rights_expired_at` records that the rights-expired
    // event was raised. Search filters on fields read the document's `schemaFields` through a GIN index.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('metadata_schemas')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('fields', 'jsonb', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('metadata_schemas_pk', ['project_id', 'version'])
        .execute();
      await db.schema.alterTable('assets').addColumn('fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`)).execute();
      await db.schema.alterTable('assets').addColumn('rights_expired_at', 'timestamptz').execute();
      await sql`create index assets_rights_expiry on assets ((fields->>'rightsExpiry')) where rights_expired_at is null and fields ? 'rightsExpiry'`.execute(db);
      await sql`create index search_documents_schema_fields on search_documents using gin ((document->'schemaFields') jsonb_path_ops)`.execute(db);
    },
  },
  '0031_collections_sharing_audit': {
    // Collections (ordered sets of a project's assets), share links (a random token, stored as its SHA-256 only;
    // optional expiry, scrypt password hash, renditions and original allowed; revocable) and the audit log: an
    // append-only table of who did what, when and from which address, pruned after AUDIT_RETENTION. Search
    // documents carry the ids of the collections holding their asset (the `collection` filter).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('collections')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('collections_project').on('collections').columns(['project_id', 'created_at', 'id']).execute();
      await db.schema
        .createTable('collection_items')
        .addColumn('collection_id', 'uuid', (c) => c.notNull().references('collections.id').onDelete('cascade'))
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('added_by', 'text', (c) => c.notNull())
        .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('collection_items_pk', ['collection_id', 'asset_id'])
        .execute();
      await db.schema.createIndex('collection_items_order').on('collection_items').columns(['collection_id', 'position']).execute();
      await db.schema.createIndex('collection_items_asset').on('collection_items').columns(['asset_id']).execute();
      await db.schema
        .createTable('share_links')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'uuid', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz')
        .addColumn('password_hash', 'text')
        .addColumn('renditions', sql`text[]`)
        .addColumn('allow_original', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('revoked_by', 'text')
        .addColumn('access_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_access_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('share_links_project').on('share_links').columns(['project_id', 'created_at']).execute();
      await db.schema.createIndex('share_links_target').on('share_links').columns(['target_id']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .execute();
      await db.schema.createIndex('audit_log_project').on('audit_log').columns(['project_id', 'id']).execute();
      await db.schema.createIndex('audit_log_action').on('audit_log').columns(['project_id', 'action', 'id']).execute();
      await db.schema.createIndex('audit_log_target').on('audit_log').columns(['project_id', 'target_id', 'id']).execute();
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['project_id', 'actor', 'id']).execute();
      await db.schema.createIndex('audit_log_occurred').on('audit_log').columns(['occurred_at']).execute();
      await sql`alter table search_documents add column collection_ids text[] not null default '{}'`.execute(db);
      await sql`create index search_documents_collection_ids on search_documents using gin (collection_ids)`.execute(db);
    },
  },
  '0032_asset_lifecycle': {
    // File versions (shared/domain/asset-lifecycle.ts): the asset's current version number, and every version's
    // master with the renditions and technical metadata it had while another one is current (revert restores them).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('assets').addColumn('file_version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema
        .createTable('asset_file_versions')
        .addColumn('asset_id', 'uuid', (c) => c.notNull())
        .addColumn('file_version', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('upload_id', 'uuid')
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('expected_sha256', 'text')
        .addColumn('sha256', 'text')
        .addColumn('storage_key', 'text', (c) => c.notNull())
        .addColumn('renditions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('technical', 'jsonb')
        .addColumn('reason', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('asset_file_versions_pk', ['asset_id', 'file_version'])
        .execute();
      await db.schema.createIndex('asset_file_versions_upload').on('asset_file_versions').column('upload_id').unique().execute();
      // the trash sweep reads deleted assets by when they were deleted
      await sql`create index assets_trash on assets (deleted_at) where state = 'deleted'`.execute(db);
    },
  },
  '0034_import_task_events_by_import': {
    // A batch's status (GET /imports/:id: throughput from its transitions) read its own events through an index,
    // not by scanning every batch's history.
    async up(db: Kysely<any>) {
      await db.schema.createIndex('import_task_events_import').on('import_task_events').columns(['import_id', 'to_state']).execute();
    },
  },
  '0035_dead_letters_and_replays': {
    // Dead letters of the embedded default (in-process delivery; on JetStream they live in the <STREAM>_DLQ stream),
    // for GET /admin/dead-letters and redrive; and the runs of the admin replay endpoint (POST /admin/replays).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('dead_letters')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('consumer', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('event', 'jsonb', (c) => c.notNull())
        .addColumn('dead_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('dead_letters_consumer').on('dead_letters').columns(['consumer', 'id']).execute();
      await db.schema
        .createTable('replay_runs')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('finished_at', 'timestamptz')
        .addColumn('result', 'jsonb')
        .addColumn('error', 'text')
        .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // one replay at a time
      await sql`create unique index replay_runs_one_running on replay_runs (state) where state = 'running'`.execute(db);
    },
  },
  '0036_search_rollup_coarse': {
    // A coarser level of the listing rollup (0010) for listings without a date range, the usual browse: counts over
    // all time per project, state and editorial state; the whole ('' / '') also per media type, the tag and label
    // values not (media_type ''). Its size grows with projects × values, not with months × media types, so such a
    // listing reads a few thousand rows at 100k or 1M documents alike. Kept by statement triggers like 0010's.
    async up(db: Kysely<any>) {
      await sql`create table search_facet_rollup_coarse (
        project_id text not null, state text not null, editorial_state text not null, media_type text not null,
        facet text not null, value text not null, n bigint not null,
        primary key (project_id, state, editorial_state, media_type, facet, value))`.execute(db);
      // the rows of a set of documents: media type on the whole, '' on its tag and label values
      const rowsOf = (documents: string, sign: string) => `select d.project_id, d.state, d.editorial_state, f.media_type, f.facet, f.value, ${sign}
        from ${documents} d, lateral (select d.media_type, '' as facet, '' as value
          union all select '', 'tags', unnest(d.tags) union all select '', 'labels', unnest(d.labels)) f`;
      const upsert = (select: string) => `insert into search_facet_rollup_coarse as r (project_id, state, editorial_state, media_type, facet, value, n)
        select project_id, state, editorial_state, media_type, facet, value, sum(sign) from (${select}) changes (project_id, state, editorial_state, media_type, facet, value, sign)
        group by 1, 2, 3, 4, 5, 6 having sum(sign) <> 0 order by 1, 2, 3, 4, 5, 6
        on conflict (project_id, state, editorial_state, media_type, facet, value) do update set n = r.n + excluded.n`;
      const changes = {
        inserted: rowsOf('new_rows', '1'),
        deleted: rowsOf('old_rows', '-1'),
        updated: `${rowsOf('new_rows', '1')} union all ${rowsOf('old_rows', '-1')}`,
      };
      for (const [name, select] of Object.entries(changes)) {
        await sql.raw(`create function search_facet_rollup_coarse_${name}() returns trigger language plpgsql as $$
          begin ${upsert(select)}; return null; end $$`).execute(db);
      }
      await sql`create trigger search_facet_rollup_coarse_insert after insert on search_documents referencing new table as new_rows
        for each statement execute function search_facet_rollup_coarse_inserted()`.execute(db);
      await sql`create trigger search_facet_rollup_coarse_update after update on search_documents referencing old table as old_rows new table as new_rows
        for each statement execute function search_facet_rollup_coarse_updated()`.execute(db);
      await sql`create trigger search_facet_rollup_coarse_delete after delete on search_documents referencing old table as old_rows
        for each statement execute function search_facet_rollup_coarse_deleted()`.execute(db);
      await sql.raw(`insert into search_facet_rollup_coarse (project_id, state, editorial_state, media_type, facet, value, n)
        select project_id, state, editorial_state, media_type, facet, value, sum(sign) from (${rowsOf('search_documents', '1')}) d (project_id, state, editorial_state, media_type, facet, value, sign)
        group by 1, 2, 3, 4, 5, 6`).execute(db);
    },
  },
  '0037_listing_by_title': {
    // GET /assets?sort=title pages by keyset on (title, id) within the caller's projects.
    async up(db: Kysely<any>) {
      await db.schema.createIndex('assets_project_title').on('assets').columns(['project_id', 'title', 'id']).execute();
    },
  },
  '0065_audit_reads_by_caller': {
    // GET /assets/:id records a caller's read of an asset once per AUDIT_READ_INTERVAL: the last one is looked up
    // by asset and caller on every read.
    async up(db: Kysely<any>) {
      await db.schema.createIndex('audit_log_reads').on('audit_log').columns(['target_id', 'actor', 'occurred_at']).where(sql.ref('action'), '=', 'asset.read').execute();
    },
  },
  '0066_vectors_in_process': vectorsInProcessMigration(undefined),
};

type Driver = 'postgres' | 'pglite';

export async function migrate(db: Kysely<any>, options: { embeddingDimensions?: number; driver?: Driver } = {}): Promise<void> {
  // Every cold start calls this; a database already at the latest migration (the usual case once deployed) costs
  // one query instead of the migrator's lock, table checks and full listing.
  if (await isCurrent(db)) return;
  const configured = {
    ...migrations,
    '0003_vectors': vectorsMigration(options.embeddingDimensions ?? DEFAULT_EMBEDDING_DIMENSIONS),
    '0066_vectors_in_process': vectorsInProcessMigration(options.driver),
  };
  const migrator = new Migrator({ db, provider: { getMigrations: async () => configured } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
}

async function isCurrent(db: Kysely<any>): Promise<boolean> {
  const latest = Object.keys(migrations).sort().at(-1)!;
  try {
    const applied = await db.selectFrom(DEFAULT_MIGRATION_TABLE).select('name').where('name', '=', latest).executeTakeFirst();
    return applied !== undefined;
  } catch {
    return false; // no migration table yet (a fresh database), or another failure the migrator will report
  }
}
