// The import repository on PGlite: claim order (priority, round robin), leases, settling, cancel, history.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type Database, openDatabase } from './connect.ts';
import { cancelImport, claimTask, claimTasks, createImport, listTasks, noteTaskAsset, renewLease, setImportState, settleTask, settleTasks, taskCounts, taskHistory } from './imports.ts';

let database: Database;
before(async () => { database = await openDatabase('memory://'); });
after(() => database.close());

async function batch(priority: number, items: number, host = 'example.org') {
  const id = randomUUID();
  await createImport(
    database.db,
    { id, project_id: 'newsroom', owner: 'tester', source_type: 'urls', source: { type: 'urls' }, priority, defaults: {} },
    Array.from({ length: items }, (_, i) => ({ id: randomUUID(), item: { url: `https://${host}/${id}/${i}` }, host })),
  );
  return id;
}

async function drain(owner = 'w1') {
  const order: string[] = [];
  for (;;) {
    const task = await claimTask(database.db, owner, 60);
    if (!task) return order;
    order.push(task.import_id);
    await settleTask(database.db, task, owner, { state: 'uploaded' });
  }
}

test('a priority-1 batch created after a priority-5 one is claimed first; equal priorities take turns', async () => {
  const low = await batch(5, 3);
  const a = await batch(2, 3);
  const b = await batch(2, 3);
  const high = await batch(1, 2);
  const order = await drain();
  assert.deepEqual(order.slice(0, 2), [high, high]);
  assert.deepEqual(order.slice(2, 8).sort(), [a, a, a, b, b, b].sort());
  for (let i = 2; i < 8; i += 2) assert.notEqual(order[i], order[i + 1], `round robin between ${a} and ${b}: ${order.join(',')}`);
  assert.deepEqual(order.slice(8), [low, low, low]);
});

test('a task whose lease ran out is claimed again, and the dead worker can no longer settle it', async () => {
  const id = await batch(3, 1);
  const first = await claimTask(database.db, 'dead-worker', -1);
  assert.equal(first?.import_id, id);
  const again = await claimTask(database.db, 'w2', 60);
  assert.equal(again?.id, first!.id);
  assert.equal(again?.previous_state, 'fetching');
  assert.equal(await settleTask(database.db, first!, 'dead-worker', { state: 'uploaded' }), false);
  assert.equal(await renewLease(database.db, first!.id, 'dead-worker', 60), 'lost');
  assert.equal(await settleTask(database.db, again!, 'w2', { state: 'failed', reason: 'HTTP 404' }), true);
  const history = await taskHistory(database.db, first!.id);
  assert.deepEqual(history.map((e) => [e.from_state, e.to_state]), [['pending', 'fetching'], ['fetching', 'fetching'], ['fetching', 'failed']]);
  assert.match(history[1]!.reason!, /lease expired/);
});

test('a retry waits for its time; a paused batch is not claimed; cancel settles what is left', async () => {
  const id = await batch(3, 3);
  const task = await claimTask(database.db, 'w1', 60);
  await settleTask(database.db, task!, 'w1', { state: 'retrying', reason: 'HTTP 503', nextAttemptAt: new Date(Date.now() + 3_600_000) });
  assert.equal(await setImportState(database.db, id, 'running', 'paused'), true);
  assert.equal(await claimTask(database.db, 'w1', 60), undefined);
  assert.equal(await setImportState(database.db, id, 'running', 'paused'), false);
  await setImportState(database.db, id, 'paused', 'running');
  const held = await claimTask(database.db, 'w1', 60);
  assert.equal(held?.ordinal, 1);
  assert.equal(await cancelImport(database.db, id), true);
  assert.equal(await renewLease(database.db, held!.id, 'w1', 60), 'cancelled');
  const counts = await taskCounts(database.db, id);
  assert.deepEqual({ cancelled: counts.cancelled, fetching: counts.fetching, retrying: counts.retrying }, { cancelled: 2, fetching: 1, retrying: 0 });
  assert.equal((await listTasks(database.db, id, { state: 'cancelled', limit: 10 })).length, 2);
  assert.equal(await claimTask(database.db, 'w1', 60), undefined);
});

test('hosts the worker is busy with are skipped', async () => {
  const busy = await batch(1, 1, 'busy.example');
  const free = await batch(2, 1, 'free.example');
  const task = await claimTask(database.db, 'w1', 60, ['busy.example']);
  assert.equal(task?.import_id, free);
  await settleTask(database.db, task!, 'w1', { state: 'uploaded' });
  assert.equal((await claimTask(database.db, 'w1', 60))?.import_id, busy);
});

test('one claim takes every free slot: priority first, batches of one priority task by task, at most perHost per host', async () => {
  const low = await batch(4, 2, 'low.example');
  const a = await batch(3, 3, 'a.example');
  const b = await batch(3, 3, 'b.example');
  const claimed = await claimTasks(database.db, 'w1', 60, { limit: 5 });
  assert.deepEqual(claimed.map((t) => [t.import_id, t.ordinal]), [[a, 0], [b, 0], [a, 1], [b, 1], [a, 2]]);
  const history = await database.db.selectFrom('import_task_events').select('task_id').where('to_state', '=', 'fetching').where('import_id', 'in', [a, b]).orderBy('id').execute();
  assert.deepEqual(history.map((e) => e.task_id), claimed.map((t) => t.id), 'transitions recorded in claim order');
  for (const task of claimed) await settleTask(database.db, task, 'w1', { state: 'uploaded' });
  const rest = await claimTasks(database.db, 'w1', 60, { limit: 10 });
  assert.deepEqual(rest.map((t) => t.import_id), [b, low, low]);
  for (const task of rest) await settleTask(database.db, task, 'w1', { state: 'uploaded' });

  const crowded = await batch(2, 5, 'crowded.example');
  const capped = await claimTasks(database.db, 'w1', 60, { limit: 5, perHost: 2 });
  assert.deepEqual(capped.map((t) => [t.import_id, t.ordinal]), [[crowded, 0], [crowded, 1]]);
  assert.equal((await claimTasks(database.db, 'w1', 60, { limit: 5, busyHosts: ['crowded.example'] })).length, 0);
  for (const task of capped) await settleTask(database.db, task, 'w1', { state: 'uploaded' });
  assert.equal((await claimTasks(database.db, 'w1', 60, { limit: 5 })).length, 3);
});

test('many tasks settle in one statement, each with its outcome and history; a task whose lease was lost is left alone', async () => {
  const id = await batch(3, 4, 'settle.example');
  const [uploaded, noted, retrying, lost] = await claimTasks(database.db, 'w1', 60, { limit: 4 });
  const assetId = randomUUID();
  await noteTaskAsset(database.db, noted!.id, 'w1', assetId).execute();
  await database.db.updateTable('import_tasks').set({ lease_owner: 'w2' }).where('id', '=', lost!.id).execute();
  const later = new Date(Date.now() + 60_000);
  const settled = await settleTasks(database.db, 'w1', [
    { task: uploaded!, outcome: { state: 'uploaded', assetId: randomUUID(), bytes: 2000 } },
    { task: noted!, outcome: { state: 'uploaded' } },
    { task: retrying!, outcome: { state: 'retrying', reason: 'HTTP 503', nextAttemptAt: later } },
    { task: lost!, outcome: { state: 'failed', reason: 'HTTP 404' } },
  ]);
  assert.deepEqual([...settled].sort(), [uploaded!.id, noted!.id, retrying!.id].sort());
  const rows = await listTasks(database.db, id, { limit: 10 });
  assert.deepEqual(rows.map((t) => [t.state, t.lease_owner, t.reason]), [['uploaded', null, null], ['uploaded', null, null], ['retrying', null, 'HTTP 503'], ['fetching', 'w2', null]]);
  assert.equal(Number(rows[0]!.bytes), 2000);
  assert.equal(rows[1]!.asset_id, assetId, 'an outcome without an asset keeps the one noted');
  assert.equal(new Date(rows[2]!.next_attempt_at!).getTime(), later.getTime());
  assert.deepEqual((await taskHistory(database.db, retrying!.id)).map((e) => [e.from_state, e.to_state, e.reason]), [['pending', 'fetching', null], ['fetching', 'retrying', 'HTTP 503']]);
  assert.equal((await taskHistory(database.db, lost!.id)).length, 1);
  assert.equal((await settleTasks(database.db, 'w1', [])).size, 0);
});
