// The audit log: an append-only table (never updated; rows leave only when older than the retention period),
// read by admins newest first with a cursor (the row id) and filters.
import { type Insertable, type Kysely, type Transaction, sql } from 'kysely';
import type { AuditEntry, AuditLogTable, DB } from './schema.ts';

export type NewAuditEntry = Omit<Insertable<AuditLogTable>, 'id' | 'occurred_at'> & { occurred_at?: Date };

export async function appendAudit(db: Kysely<DB> | Transaction<DB>, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insertInto('audit_log').values(entries.map((e) => ({ ...e, occurred_at: e.occurred_at ?? new Date() }))).execute();
}

/**
 * Appends the entry unless an entry with the same action, actor and target was recorded after `since` (one
 * statement, so concurrent processes rarely both write; the partial index of migration 0065 finds the last
 * read). True when it was written.
 */
export async function appendAuditUnlessSince(db: Kysely<DB> | Transaction<DB>, entry: NewAuditEntry, since: Date): Promise<boolean> {
  const result = await db
    .insertInto('audit_log')
    .columns(['project_id', 'occurred_at', 'actor', 'via', 'action', 'target_type', 'target_id', 'address', 'details'])
    .expression(db
      .selectNoFrom([
        sql<string>`${entry.project_id}::text`.as('project_id'),
        sql<Date>`${entry.occurred_at ?? new Date()}::timestamptz`.as('occurred_at'),
        sql<string>`${entry.actor}::text`.as('actor'),
        sql<string>`${entry.via}::text`.as('via'),
        sql<string>`${entry.action}::text`.as('action'),
        sql<string>`${entry.target_type}::text`.as('target_type'),
        sql<string>`${entry.target_id}::text`.as('target_id'),
        sql<string | null>`${entry.address ?? null}::text`.as('address'),
        sql<unknown>`${entry.details ?? {}}::jsonb`.as('details'),
      ])
      .where((eb) => eb.not(eb.exists(eb.selectFrom('audit_log')
        .select(sql.lit(1).as('one'))
        .where('action', '=', entry.action)
        .where('target_id', '=', entry.target_id)
        .where('actor', '=', entry.actor)
        .where('occurred_at', '>', since)))))
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export interface AuditQuery {
  /** the projects whose entries are read (at least one) */
  projectIds: string[];
  actor?: string;
  action?: string[];
  targetId?: string;
  via?: string;
  from?: Date;
  to?: Date;
  /** ids below this one (the last id of the previous page) */
  beforeId?: string;
  limit: number;
}

export async function queryAudit(db: Kysely<DB>, query: AuditQuery): Promise<AuditEntry[]> {
  let select = db.selectFrom('audit_log').selectAll().where('project_id', 'in', query.projectIds);
  if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
  if (query.action?.length) select = select.where('action', 'in', query.action);
  if (query.targetId !== undefined) select = select.where('target_id', '=', query.targetId);
  if (query.via !== undefined) select = select.where('via', '=', query.via);
  if (query.from) select = select.where('occurred_at', '>=', query.from);
  if (query.to) select = select.where('occurred_at', '<', query.to);
  if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
  return select.orderBy('id', 'desc').limit(query.limit).execute();
}

/** Removes the entries older than `cutoff`; how many left. */
export async function pruneAudit(db: Kysely<DB>, cutoff: Date): Promise<number> {
  const result = await db.deleteFrom('audit_log').where('occurred_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
