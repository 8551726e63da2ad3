// The audit log: an append-only table (never updated; rows leave only when older than the retention period),
// read by admins newest first with a cursor (the row id) and filters.
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { AuditEntry, AuditLogTable, DB } from './schema.ts';

export type NewAuditEntry = Omit<Insertable<AuditLogTable>, 'id' | 'occurred_at'> & { occurred_at?: Date };

export async function appendAudit(db: Kysely<DB> | Transaction<DB>, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insertInto('audit_log').values(entries.map((e) => ({ ...e, occurred_at: e.occurred_at ?? new Date() }))).execute();
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
