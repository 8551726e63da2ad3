// migrate() on every cold start: a fresh database gets every migration, a current one costs a single query.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KyselyPlugin } from 'kysely';
import { type Database, openDatabase } from './connect.ts';
import { migrate } from './migrations.ts';

let database: Database;
before(async () => { database = await openDatabase('memory://'); });
after(() => database.close());

test('a fresh database is migrated to the latest migration', async () => {
  const applied = await database.db.selectFrom('kysely_migration' as any).select('name').execute();
  assert.ok(applied.length >= 5);
  await database.db.selectFrom('projects').select('id').execute();
});

test('a database already at the latest migration is checked with one query and left alone', async () => {
  const queries: string[] = [];
  const recorder: KyselyPlugin = {
    transformQuery: (args) => { queries.push(args.node.kind); return args.node; },
    transformResult: async (args) => args.result,
  };
  await migrate(database.db.withPlugin(recorder));
  assert.deepEqual(queries, ['SelectQueryNode']);
});
