// What a replay walks: every asset, and the assets events named since a moment.
import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

/** The database's clock (events are stamped by the writers' clocks; the catch-up window starts a little earlier). */
export async function databaseNow(db: Kysely<DB>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  return new Date(rows[0]!.now);
}

/** Asset ids in id order, a page after `after`. */
export async function assetIdsPage(db: Kysely<DB>, after: string | undefined, limit: number): Promise<string[]> {
  let query = db.selectFrom('assets').select('id').orderBy('id').limit(limit);
  if (after) query = query.where('id', '>', after);
  return (await query.execute()).map((row) => row.id);
}

/** Assets named by events written since `since` (directly, or through a person shown in them). */
export async function assetIdsNamedSince(db: Kysely<DB>, since: Date): Promise<string[]> {
  const direct = await db
    .selectFrom('outbox')
    .select(sql<string>`data->>'assetId'`.as('asset_id'))
    .distinct()
    .where('created_at', '>=', since)
    .where(sql<boolean>`data ? 'assetId'`)
    .execute();
  const viaPeople = await db
    .selectFrom('outbox')
    .innerJoin('faces', (join) => join.on(sql<boolean>`faces.person_id::text = outbox.data->>'personId'`))
    .select('faces.asset_id')
    .distinct()
    .where('outbox.created_at', '>=', since)
    .where('outbox.type', '=', 'io.mediateca.person.updated')
    .execute();
  return [...new Set([...direct, ...viaPeople].map((row) => row.asset_id))];
}
