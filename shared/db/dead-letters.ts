// Dead letters of the embedded default: what the in-process delivery gave up on, one row per consumer and event
// (on JetStream they are messages of the <STREAM>_DLQ stream instead: shared/events/dead-letters.ts).
import { type Kysely, sql } from 'kysely';
import type { EventEnvelope } from '../events/envelope.ts';
import type { DB } from './schema.ts';

export interface DeadLetterRow {
  id: string;
  consumer: string;
  eventId: string;
  type: string;
  subject: string | null;
  reason: string;
  deadAt: Date;
  event: EventEnvelope<unknown>;
}

export interface DeadLetterQuery {
  consumer?: string;
  type?: string;
  /** a substring of the reason */
  reason?: string;
  /** rows with a greater id (paging) */
  after?: string;
  limit: number;
}

export async function insertDeadLetter(db: Kysely<DB>, consumer: string, event: EventEnvelope<unknown>, reason: string): Promise<string> {
  const row = await db.insertInto('dead_letters')
    .values({ consumer, event_id: event.id, type: event.type, subject: event.subject ?? null, reason, event: JSON.stringify(event) })
    .returning('id').executeTakeFirstOrThrow();
  return String(row.id);
}

export async function listDeadLetters(db: Kysely<DB>, query: DeadLetterQuery): Promise<DeadLetterRow[]> {
  let select = db.selectFrom('dead_letters').selectAll().orderBy('id').limit(query.limit);
  if (query.after) select = select.where('id', '>', query.after);
  if (query.consumer) select = select.where('consumer', '=', query.consumer);
  if (query.type) select = select.where('type', '=', query.type);
  if (query.reason) select = select.where(sql<boolean>`strpos(reason, ${query.reason}) > 0`);
  return (await select.execute()).map(toDeadLetter);
}

export async function findDeadLetter(db: Kysely<DB>, id: string): Promise<DeadLetterRow | undefined> {
  const row = await db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toDeadLetter(row) : undefined;
}

/** Removes the row; false when another redrive took it first (so a dead letter is redriven once). */
export async function takeDeadLetter(db: Kysely<DB>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('dead_letters').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

function toDeadLetter(row: { id: string; consumer: string; event_id: string; type: string; subject: string | null; reason: string; dead_at: Date | string; event: unknown }): DeadLetterRow {
  return {
    id: String(row.id), consumer: row.consumer, eventId: row.event_id, type: row.type, subject: row.subject, reason: row.reason,
    deadAt: new Date(row.dead_at), event: (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as EventEnvelope<unknown>,
  };
}
