// Idempotency records: a redelivered event (same consumer, same id) changes nothing.
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

export async function alreadyProcessed(db: Kysely<DB>, consumer: string, eventId: string): Promise<boolean> {
  const row = await db.selectFrom('processed_events').select('event_id').where('consumer', '=', consumer).where('event_id', '=', eventId).executeTakeFirst();
  return row !== undefined;
}

export async function markProcessed(db: Kysely<DB>, consumer: string, eventId: string): Promise<void> {
  await db.insertInto('processed_events').values({ consumer, event_id: eventId }).onConflict((oc) => oc.doNothing()).execute();
}
