// The import repository: batches, their tasks (one per source item) and every task transition.
// Workers claim tasks with FOR UPDATE SKIP LOCKED under a lease, so several workers never take the same task
// and a task held by a dead worker is taken again once its lease runs out.
import { type Kysely, type QueryCreator, sql } from 'kysely';
import type { DB, Import, ImportItem, ImportState, ImportTask, ImportTaskState } from './schema.ts';

export const TASK_STATES: readonly ImportTaskState[] = ['pending', 'fetching', 'retrying', 'uploaded', 'skipped', 'failed', 'cancelled'];
export const OPEN_TASK_STATES: readonly ImportTaskState[] = ['pending', 'fetching', 'retrying'];

export interface NewImport {
  id: string;
  project_id: string;
  owner: string;
  source_type: string;
  source: Record<string, unknown>;
  priority: number;
  defaults: { title?: string; description?: string; tags?: string[] };
}

export interface NewTask {
  id: string;
  item: ImportItem;
  host: string;
  /** settled at listing (a repeated item, a bad row): created so, with its reason */
  settled?: { state: 'skipped' | 'failed'; reason: string };
}

const INSERT_CHUNK = 500;

export async function createImport(db: Kysely<DB>, batch: NewImport, tasks: NewTask[]): Promise<Import> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('projects').values({ id: batch.project_id, name: batch.project_id, settings: {} }).onConflict((oc) => oc.column('id').doNothing()).execute();
    const created = await trx.insertInto('imports').values({ ...batch, state: 'running', item_count: tasks.length }).returningAll().executeTakeFirstOrThrow();
    for (let start = 0; start < tasks.length; start += INSERT_CHUNK) {
      const rows = tasks.slice(start, start + INSERT_CHUNK).map((task, index) => ({
        id: task.id,
        import_id: batch.id,
        ordinal: start + index,
        item: task.item,
        host: task.host,
        state: task.settled?.state ?? ('pending' as ImportTaskState),
        reason: task.settled?.reason ?? null,
      }));
      await trx.insertInto('import_tasks').values(rows).execute();
    }
    return created;
  });
}

export async function findImport(db: Kysely<DB>, id: string): Promise<Import | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Pause or resume: only from the given state; answers the import as it is afterwards. */
export async function setImportState(db: Kysely<DB>, id: string, from: ImportState, to: ImportState): Promise<boolean> {
  const result = await db.updateTable('imports').set({ state: to, updated_at: new Date() }).where('id', '=', id).where('state', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Cancels the batch: tasks not yet claimed end `cancelled`; a worker holding one sees it at its next lease renewal. */
export async function cancelImport(db: Kysely<DB>, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('imports').set({ state: 'cancelled', updated_at: new Date() }).where('id', '=', id).where('state', '!=', 'cancelled').executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await sql`
      with cancelled as (
        update import_tasks t set state = 'cancelled', reason = 'the import was cancelled', next_attempt_at = null, updated_at = now()
        from import_tasks prior
        where t.id = prior.id and t.import_id = ${id} and t.state in ('pending', 'retrying')
        returning t.id, t.import_id, prior.state as from_state, t.attempts
      )
      insert into import_task_events (task_id, import_id, from_state, to_state, reason, attempt)
      select id, import_id, from_state, 'cancelled', 'the import was cancelled', attempts from cancelled`.execute(trx);
    return true;
  });
}

/** A claimed task with what the worker needs of its batch (not the source: see `findImportSource`). */
export type ClaimedTask = ImportTask & { previous_state: ImportTaskState; project_id: string; owner: string; source_type: string; defaults: Import['defaults'] };

/** One task: `claimTasks` with a limit of one. */
export async function claimTask(db: Kysely<DB>, owner: string, leaseSeconds: number, busyHosts: string[] = []): Promise<ClaimedTask | undefined> {
  return (await claimTasks(db, owner, leaseSeconds, { limit: 1, busyHosts }))[0];
}

export interface ClaimOptions {
  /** how many tasks at most (the worker's free slots) */
  limit: number;
  /** hosts this worker has as many requests in flight at as it may: left for later */
  busyHosts?: string[];
  /** at most this many of the tasks taken at once for one host (its concurrency) */
  perHost?: number;
}

/**
 * Claims up to `limit` tasks in one statement (one round trip: the tasks taken, their batches marked served,
 * the transitions recorded). Highest priority (1) first; batches of one priority take turns, task by task,
 * starting with the one served longest ago; within a batch, source order. Pending tasks, retries that are due,
 * and tasks whose lease ran out. Rows another worker holds are skipped, never waited for.
 */
export async function claimTasks(db: Kysely<DB>, owner: string, leaseSeconds: number, options: ClaimOptions): Promise<ClaimedTask[]> {
  const busyHosts = options.busyHosts ?? [];
  const hostFilter = busyHosts.length ? sql`and t.host not in (${sql.join(busyHosts)})` : sql``;
  const limit = Math.max(1, Math.floor(options.limit));
  const perHost = Math.max(1, Math.floor(options.perHost ?? limit));
  const claimed = await sql<ClaimedTask>`
    with candidates as (
      select c.*, b.priority, b.last_claimed_at, b.created_at as batch_created_at
      from imports b cross join lateral (
        select t.id, t.import_id, t.host, t.ordinal, t.state as previous_state from import_tasks t
        where t.import_id = b.id
          and (t.state = 'pending' or (t.state = 'retrying' and t.next_attempt_at <= now()) or (t.state = 'fetching' and t.lease_expires_at < now()))
          ${hostFilter}
        order by t.ordinal
        limit ${limit}
        for update of t skip locked
      ) c
      where b.state = 'running'
    ), turns as (
      select *, row_number() over (partition by import_id order by ordinal) as turn from candidates
    ), next as (
      select id, previous_state, priority, turn, last_claimed_at, batch_created_at, ordinal from (
        select *, row_number() over (partition by host order by priority, turn, last_claimed_at nulls first, batch_created_at, ordinal) as host_turn from turns
      ) ranked
      where host_turn <= ${perHost}
      order by priority, turn, last_claimed_at nulls first, batch_created_at, ordinal
      limit ${limit}
    ), claimed as (
      update import_tasks t set state = 'fetching', attempts = t.attempts + 1, lease_owner = ${owner},
        lease_expires_at = now() + make_interval(secs => ${leaseSeconds}), next_attempt_at = null, updated_at = now()
      from next where t.id = next.id
      returning t.*, next.previous_state, next.priority, next.turn, next.last_claimed_at as batch_last_claimed_at, next.batch_created_at
    ), batch as (
      update imports i set last_claimed_at = clock_timestamp() where i.id in (select import_id from claimed)
      returning i.id, i.project_id, i.owner, i.source_type, i.defaults
    ), event as (
      insert into import_task_events (task_id, import_id, from_state, to_state, reason, attempt)
      select id, import_id, previous_state, 'fetching',
        case when previous_state = 'fetching' then 'lease expired: a worker stopped while fetching' end, attempts
      from claimed
      order by priority, turn, batch_last_claimed_at nulls first, batch_created_at, ordinal
    )
    select claimed.*, batch.project_id, batch.owner, batch.source_type, batch.defaults from claimed join batch on batch.id = claimed.import_id
    order by claimed.priority, claimed.turn, claimed.batch_last_claimed_at nulls first, claimed.batch_created_at, claimed.ordinal`.execute(db);
  return claimed.rows.map(({ priority: _p, turn: _t, batch_last_claimed_at: _l, batch_created_at: _c, ...task }: any) => task as ClaimedTask);
}

/** The batch's source as stored (an S3 secret sealed): read once per batch by a worker, not with every claim. */
export async function findImportSource(db: Kysely<DB>, importId: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('imports').select('source').where('id', '=', importId).executeTakeFirst();
  return row?.source;
}

export type LeaseStatus = 'held' | 'lost' | 'cancelled';

/** Extends the lease while a worker streams; tells it when the batch was cancelled or the task taken away. */
export async function renewLease(db: Kysely<DB>, taskId: string, owner: string, leaseSeconds: number): Promise<LeaseStatus> {
  const row = await db
    .updateTable('import_tasks')
    .set({ lease_expires_at: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', taskId)
    .where('lease_owner', '=', owner)
    .where('state', '=', 'fetching')
    .returning('import_id')
    .executeTakeFirst();
  if (!row) return 'lost';
  const batch = await db.selectFrom('imports').select('state').where('id', '=', row.import_id).executeTakeFirstOrThrow();
  return batch.state === 'cancelled' ? 'cancelled' : 'held';
}

/**
 * Notes the asset a fetch is creating before the bytes go out, so a restart can tell whether they arrived: a
 * statement to run, or to make part of the one that writes the asset's upload row (createUploadingAsset).
 */
export function noteTaskAsset(db: QueryCreator<DB>, taskId: string, owner: string, assetId: string) {
  return db.updateTable('import_tasks').set({ asset_id: assetId, updated_at: new Date() }).where('id', '=', taskId).where('lease_owner', '=', owner);
}

export interface TaskOutcome {
  state: Exclude<ImportTaskState, 'pending' | 'fetching'>;
  reason?: string | null;
  assetId?: string | null;
  duplicateOf?: string | null;
  bytes?: number | null;
  nextAttemptAt?: Date | null;
}

/** Settles a claimed task (only while this worker holds it); false when the lease was lost meanwhile. */
export async function settleTask(db: Kysely<DB>, task: ImportTask, owner: string, outcome: TaskOutcome): Promise<boolean> {
  return (await settleTasks(db, owner, [{ task, outcome }])).has(task.id);
}

/**
 * Settles many claimed tasks in one statement (each with its history row), only those this worker still holds;
 * answers the ids it settled (the others' lease was lost meanwhile). A worker settles everything that finished
 * while its previous settle ran at once: one round trip and one commit for all of them.
 */
export async function settleTasks(db: Kysely<DB>, owner: string, settles: { task: Pick<ImportTask, 'id'>; outcome: TaskOutcome }[]): Promise<Set<string>> {
  if (settles.length === 0) return new Set();
  const outcomes = settles.map(({ task, outcome }) => ({
    id: task.id,
    state: outcome.state,
    reason: outcome.reason ?? null,
    // undefined keeps the asset a previous attempt noted
    keep_asset: outcome.assetId === undefined,
    asset_id: outcome.assetId ?? null,
    duplicate_of: outcome.duplicateOf ?? null,
    bytes: outcome.bytes ?? null,
    next_attempt_at: outcome.nextAttemptAt?.toISOString() ?? null,
  }));
  const settled = await sql<{ id: string }>`
    with outcome as (
      select * from jsonb_to_recordset(${JSON.stringify(outcomes)}::text::jsonb)
        as o(id uuid, state text, reason text, keep_asset boolean, asset_id uuid, duplicate_of uuid, bytes bigint, next_attempt_at timestamptz)
    ), settled as (
      update import_tasks t set state = o.state, reason = o.reason, asset_id = case when o.keep_asset then t.asset_id else o.asset_id end,
        duplicate_of = o.duplicate_of, bytes = o.bytes, next_attempt_at = o.next_attempt_at,
        lease_owner = null, lease_expires_at = null, updated_at = now()
      from outcome o
      where t.id = o.id and t.lease_owner = ${owner} and t.state = 'fetching'
      returning t.id, t.import_id, t.attempts, o.state, o.reason
    ), event as (
      insert into import_task_events (task_id, import_id, from_state, to_state, reason, attempt)
      select id, import_id, 'fetching', state, reason, attempts from settled
    )
    select id from settled`.execute(db);
  return new Set(settled.rows.map((row) => row.id));
}

/** A worker shutting down hands a claimed task back untouched: it is pending again at once. */
export async function releaseTask(db: Kysely<DB>, task: ImportTask, owner: string, reason: string): Promise<void> {
  await sql`
    with released as (
      update import_tasks t set state = 'pending', lease_owner = null, lease_expires_at = null, updated_at = now()
      where t.id = ${task.id} and t.lease_owner = ${owner} and t.state = 'fetching'
      returning t.id, t.import_id, t.attempts
    )
    insert into import_task_events (task_id, import_id, from_state, to_state, reason, attempt)
    select id, import_id, 'fetching', 'pending', ${reason}, attempts from released`.execute(db);
}

export async function taskCounts(db: Kysely<DB>, importId: string): Promise<Record<ImportTaskState, number>> {
  const rows = await db.selectFrom('import_tasks').select(['state', sql<string>`count(*)`.as('n')]).where('import_id', '=', importId).groupBy('state').execute();
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<ImportTaskState, number>;
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}

/** States of the assets the batch created, and how many of them turned out to be duplicates. */
export async function assetOutcomes(db: Kysely<DB>, importId: string): Promise<{ states: Record<string, number>; duplicates: number }> {
  const rows = await db
    .selectFrom('import_tasks as t')
    .innerJoin('assets as a', 'a.id', 't.asset_id')
    .select(['a.state', sql<string>`count(*)`.as('n'), sql<string>`count(a.duplicate_of)`.as('duplicates')])
    .where('t.import_id', '=', importId)
    .where('t.state', '=', 'uploaded')
    .groupBy('a.state')
    .execute();
  return { states: Object.fromEntries(rows.map((r) => [r.state, Number(r.n)])), duplicates: rows.reduce((sum, r) => sum + Number(r.duplicates), 0) };
}

export async function throughput(db: Kysely<DB>, importId: string): Promise<{ settled: number; bytes: number; firstClaimAt: Date | null; lastSettledAt: Date | null }> {
  const events = await db
    .selectFrom('import_task_events')
    .select([
      sql<string>`count(*) filter (where to_state in ('uploaded', 'skipped', 'failed'))`.as('settled'),
      sql<Date | null>`min(occurred_at) filter (where to_state = 'fetching')`.as('first_claim'),
      sql<Date | null>`max(occurred_at) filter (where to_state in ('uploaded', 'skipped', 'failed'))`.as('last_settled'),
    ])
    .where('import_id', '=', importId)
    .executeTakeFirstOrThrow();
  const bytes = await db.selectFrom('import_tasks').select(sql<string | null>`sum(bytes)`.as('bytes')).where('import_id', '=', importId).where('state', '=', 'uploaded').executeTakeFirstOrThrow();
  return {
    settled: Number(events.settled),
    bytes: Number(bytes.bytes ?? 0),
    firstClaimAt: events.first_claim ? new Date(events.first_claim) : null,
    lastSettledAt: events.last_settled ? new Date(events.last_settled) : null,
  };
}

export type TaskWithAsset = ImportTask & { asset_state: string | null; asset_duplicate_of: string | null; asset_reason: string | null };

/** A page of tasks in source order, after `afterOrdinal`, optionally in one state, with the asset each made. */
export async function listTasks(db: Kysely<DB>, importId: string, options: { state?: ImportTaskState; afterOrdinal?: number; limit: number }): Promise<TaskWithAsset[]> {
  let query = db
    .selectFrom('import_tasks as t')
    .leftJoin('assets as a', 'a.id', 't.asset_id')
    .selectAll('t')
    .select(['a.state as asset_state', 'a.duplicate_of as asset_duplicate_of', 'a.state_reason as asset_reason'])
    .where('t.import_id', '=', importId)
    .orderBy('t.ordinal')
    .limit(options.limit);
  if (options.state) query = query.where('t.state', '=', options.state);
  if (options.afterOrdinal !== undefined) query = query.where('t.ordinal', '>', options.afterOrdinal);
  return query.execute() as Promise<TaskWithAsset[]>;
}

export async function taskHistory(db: Kysely<DB>, taskId: string) {
  return db.selectFrom('import_task_events').selectAll().where('task_id', '=', taskId).orderBy('id').execute();
}

/** Open tasks per state over every running batch (the metrics gauge). */
export async function openTaskCounts(db: Kysely<DB>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('import_tasks').select(['state', sql<string>`count(*)`.as('n')]).where('state', 'in', [...OPEN_TASK_STATES]).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
