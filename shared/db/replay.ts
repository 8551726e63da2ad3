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

export interface ReplayRun {
  id: string;
  target: string;
  state: 'running' | 'done' | 'failed';
  requestedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

/** Records a run as running; false when another one is (one replay at a time). */
export async function insertReplayRun(db: Kysely<DB>, run: { id: string; target: string; requestedBy: string }): Promise<boolean> {
  const inserted = await db.insertInto('replay_runs').values({ id: run.id, target: run.target, state: 'running', requested_by: run.requestedBy })
    .onConflict((oc) => oc.column('state').where('state', '=', 'running').doNothing()).executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function finishReplayRun(db: Kysely<DB>, id: string, outcome: { result: Record<string, unknown> } | { error: string }): Promise<void> {
  await db.updateTable('replay_runs')
    .set('result' in outcome ? { state: 'done', result: JSON.stringify(outcome.result), finished_at: new Date() } : { state: 'failed', error: outcome.error, finished_at: new Date() })
    .where('id', '=', id).execute();
}

/** Runs still `running` whose heartbeat is older than `staleBefore` belong to a process that died: failed. */
export async function abandonReplayRuns(db: Kysely<DB>, staleBefore: Date): Promise<void> {
  await db.updateTable('replay_runs').set({ state: 'failed', error: 'the process running it stopped', finished_at: new Date() })
    .where('state', '=', 'running').where('heartbeat_at', '<', staleBefore).execute();
}

export async function touchReplayRun(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('replay_runs').set({ heartbeat_at: new Date() }).where('id', '=', id).where('state', '=', 'running').execute();
}

export async function findReplayRun(db: Kysely<DB>, id: string): Promise<ReplayRun | undefined> {
  const row = await db.selectFrom('replay_runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id, target: row.target, state: row.state, requestedBy: row.requested_by, startedAt: new Date(row.started_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
    result: typeof row.result === 'string' ? JSON.parse(row.result) : row.result, error: row.error,
  };
}

/** The run in progress, if any (one replay at a time). */
export async function runningReplay(db: Kysely<DB>): Promise<string | undefined> {
  return (await db.selectFrom('replay_runs').select('id').where('state', '=', 'running').executeTakeFirst())?.id;
}
