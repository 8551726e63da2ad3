// The transactional outbox: events are rows written in the same transaction as the state they announce.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { EventEnvelope } from '../events/envelope.ts';
import type { DB, OutboxRow } from './schema.ts';

export async function enqueue(trx: Transaction<DB> | Kysely<DB>, events: EventEnvelope<unknown>[]): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(events.map((e) => ({ event_id: e.id, type: e.type, source: e.source, subject: e.subject ?? null, data: e.data as Record<string, unknown>, created_at: e.time, traceparent: e.traceparent ?? null, tracestate: e.tracestate ?? null })))
    .onConflict((oc) => oc.column('event_id').doNothing())
    .execute();
}

export async function unpublished(db: Kysely<DB>, limit: number, excludeIds: string[] = []): Promise<OutboxRow[]> {
  let query = db.selectFrom('outbox').selectAll().where('published_at', 'is', null).orderBy('id').limit(limit);
  if (excludeIds.length > 0) query = query.where('id', 'not in', excludeIds);
  return query.execute();
}

export async function markPublished(db: Kysely<DB>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('outbox').set({ published_at: new Date() }).where('id', 'in', ids).execute();
}

export async function outboxBacklog(db: Kysely<DB>): Promise<{ pending: number; oldestSeconds: number }> {
  const row = await db
    .selectFrom('outbox')
    .select([sql<string>`count(*)`.as('pending'), sql<string | null>`extract(epoch from now() - min(created_at))`.as('oldest')])
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), oldestSeconds: Number(row.oldest ?? 0) };
}

export function toEnvelope(row: OutboxRow): EventEnvelope<Record<string, unknown>> {
  return {
    specversion: '1.0',
    id: row.event_id,
    type: row.type,
    source: row.source,
    subject: row.subject ?? undefined,
    time: new Date(row.created_at).toISOString(),
    datacontenttype: 'application/json',
    data: typeof row.data === 'string' ? JSON.parse(row.data) : row.data,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    ...(row.tracestate ? { tracestate: row.tracestate } : {}),
  };
}
