// What the business metrics read from the system of record (shared/analytics/metrics.ts): counts of assets and
// publications, and when each stage of one asset ended (the first event of each kind in the outbox).
import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

export async function assetCounts(db: Kysely<DB>): Promise<{ state: string; mediaType: string; n: number }[]> {
  const rows = await db.selectFrom('assets').select(['state', 'media_type', sql<string>`count(*)`.as('n')]).groupBy(['state', 'media_type']).execute();
  return rows.map((r) => ({ state: r.state, mediaType: r.media_type, n: Number(r.n) }));
}

export async function publicationCounts(db: Kysely<DB>): Promise<{ channelType: string; state: string; n: number }[]> {
  const rows = await db.selectFrom('publications').innerJoin('channels', 'channels.id', 'publications.channel_id')
    .select(['channels.type as type', 'publications.state as state', sql<string>`count(*)`.as('n')]).groupBy(['channels.type', 'publications.state']).execute();
  return rows.map((r) => ({ channelType: r.type, state: String(r.state), n: Number(r.n) }));
}

export interface StageEvent {
  at: Date;
  /** the first event of this type for the asset (a stage is measured once, on its first end) */
  firstEventId: string;
}

/** The asset's creation, and the first event of each given type about it. */
export async function stageEvents(db: Kysely<DB>, assetId: string, types: string[]): Promise<{ createdAt?: Date; events: Map<string, StageEvent> }> {
  const asset = await db.selectFrom('assets').select('created_at').where('id', '=', assetId).executeTakeFirst();
  const rows = await db.selectFrom('outbox').select(['type', 'event_id', 'created_at']).where('subject', '=', assetId).where('type', 'in', types).orderBy('id').execute();
  const events = new Map<string, StageEvent>();
  for (const row of rows) if (!events.has(row.type)) events.set(row.type, { at: new Date(row.created_at), firstEventId: row.event_id });
  return { createdAt: asset ? new Date(asset.created_at) : undefined, events };
}
