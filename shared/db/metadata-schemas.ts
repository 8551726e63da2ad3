// Projects' metadata schemas (domain/metadata-schema.ts), one row per version: saving appends the next version
// (at the version the admin read: a stale save is refused, never overwrites) with its outbox event, in one
// transaction. Values are never touched by a schema change (they live on the assets).
import { type Kysely, type Transaction, sql } from 'kysely';
import type { FieldDefinition, MetadataSchema } from '../domain/metadata-schema.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { enqueue } from './outbox.ts';
import type { Asset, DB } from './schema.ts';

export class SchemaVersionConflict extends Error {
  constructor(readonly current: number) {
    super(`the schema is at version ${current}`);
  }
}

/** The project's latest schema; version 0 with no fields when it never defined one. */
export async function currentSchema(db: Kysely<DB> | Transaction<DB>, projectId: string): Promise<MetadataSchema & { createdBy?: string; createdAt?: Date }> {
  const row = await db.selectFrom('metadata_schemas').selectAll().where('project_id', '=', projectId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ? { version: row.version, fields: row.fields, createdBy: row.created_by, createdAt: row.created_at } : { version: 0, fields: [] };
}

/** One version, or undefined. */
export async function schemaVersion(db: Kysely<DB>, projectId: string, version: number): Promise<MetadataSchema | undefined> {
  const row = await db.selectFrom('metadata_schemas').select(['version', 'fields']).where('project_id', '=', projectId).where('version', '=', version).executeTakeFirst();
  return row ? { version: row.version, fields: row.fields } : undefined;
}

/** Every version's number, author and time, newest first. */
export async function schemaVersions(db: Kysely<DB>, projectId: string) {
  return db.selectFrom('metadata_schemas').select(['version', 'created_by', 'created_at']).where('project_id', '=', projectId).orderBy('version', 'desc').execute();
}

/**
 * Appends the next version. `expectedVersion` is the version the admin edited (0: none yet); another save in
 * between throws SchemaVersionConflict (the primary key makes two concurrent saves of one version fail too).
 */
export async function saveSchema(
  db: Kysely<DB>,
  projectId: string,
  fields: FieldDefinition[],
  options: { actor: string; expectedVersion?: number; events: (version: number) => EventEnvelope<unknown>[] },
): Promise<MetadataSchema> {
  try {
    return await db.transaction().execute(async (trx) => {
      await trx.insertInto('projects').values({ id: projectId, name: projectId, settings: {} }).onConflict((oc) => oc.column('id').doNothing()).execute();
      // the project row serialises saves of one project's schema
      await sql`select 1 from projects where id = ${projectId} for update`.execute(trx);
      const current = await currentSchema(trx, projectId);
      if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) throw new SchemaVersionConflict(current.version);
      const version = current.version + 1;
      // as text, then jsonb: the two drivers send a bound array or string to jsonb differently
      await trx.insertInto('metadata_schemas').values({ project_id: projectId, version, fields: sql<FieldDefinition[]>`${JSON.stringify(fields)}::text::jsonb`, created_by: options.actor }).execute();
      await enqueue(trx, options.events(version));
      return { version, fields };
    });
  } catch (error) {
    if (error instanceof SchemaVersionConflict) throw error;
    if (/metadata_schemas_pk|duplicate key/.test(String((error as Error)?.message))) throw new SchemaVersionConflict(-1);
    throw error;
  }
}

/**
 * Assets whose rights expiry has begun (`rightsExpiry` on or before `today`, YYYY-MM-DD) and whose rights-expired
 * event was not raised yet: what the sweep decides on, a page at a time.
 */
export async function assetsWithExpiredRights(db: Kysely<DB>, today: string, options: { projectId?: string; limit: number }): Promise<Asset[]> {
  let query = db
    .selectFrom('assets')
    .selectAll()
    .where('rights_expired_at', 'is', null)
    .where(sql<boolean>`fields ? 'rightsExpiry'`)
    .where(sql<string>`fields->>'rightsExpiry'`, '<=', today)
    .where('state', '!=', 'deleted');
  if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
  return query.orderBy('id').limit(options.limit).execute();
}

/** Which of these person ids are people of the project (a person field must name one). */
export async function personsInProject(db: Kysely<DB>, projectId: string, ids: string[]): Promise<Set<string>> {
  const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)).map((id) => id.toLowerCase());
  if (uuids.length === 0) return new Set();
  const rows = await db.selectFrom('persons').select('id').where('project_id', '=', projectId).where('id', 'in', uuids).execute();
  return new Set(rows.map((row) => row.id));
}
