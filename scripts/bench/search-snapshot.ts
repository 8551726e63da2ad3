// What one snapshot per search costs: `npm run bench:search-snapshot`. Prints numbers, never fails on them.
// Every Postgres search runs its statements in one read-only REPEATABLE READ transaction (shared/search/postgres.ts),
// so a search pays a BEGIN and a COMMIT more than its statements. Interleaved per round, on PGlite and (when it is
// reachable) server PostgreSQL, over BENCH_SNAPSHOT_DOCUMENTS documents: a listing and a text search as the
// adapter runs them, and, as the baseline, an empty transaction opened the same way — its share of a search is
// what the snapshot adds. BENCH_SNAPSHOT_ROUNDS rounds after 5 warm-ups.
import { randomUUID } from 'node:crypto';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { PostgresSearchIndex } from '../../shared/search/postgres.ts';
import type { SearchDocument, SearchQuery } from '../../shared/search/search-index.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../../test/support/servers.ts';
import { envNumber, interleave, machineLine, median, percentile, table } from './lib.ts';

const WORDS = ['faro', 'puerto', 'pleno', 'congreso', 'lluvia', 'mercado', 'estadio', 'huelga', 'incendio', 'cosecha'];

async function measure(name: string, database: Database, documents: number, rounds: number): Promise<void> {
  const index = new PostgresSearchIndex(database.db);
  const docs: SearchDocument[] = Array.from({ length: documents }, (_, i) => ({
    assetId: randomUUID(), projectId: `p${i % 5}`, mediaType: i % 3 ? 'image' : 'video', state: 'ready',
    title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`, description: '', tags: [WORDS[(i * 3) % WORDS.length]!],
    filename: `f${i}.jpg`, createdAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000), fields: {},
  }));
  await index.upsertMany(docs);
  const scope = { projectIds: ['p0', 'p1', 'p2', 'p3', 'p4'], filters: {}, facets: ['mediaType', 'tags'] as SearchQuery['facets'], limit: 20 };
  const samples = await interleave({
    listing: () => index.search(scope),
    'text search': () => index.search({ ...scope, q: 'faro' }),
    'empty snapshot transaction': () => database.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(async () => {}),
  }, { rounds, warmUp: 5 });
  const empty = median(samples['empty snapshot transaction']);
  const rows: Array<Array<string | number>> = [[`${name}, ${documents} documents`, 'p50 ms', 'p95 ms', 'empty txn ÷ p50']];
  for (const [variant, values] of Object.entries(samples)) rows.push([variant, median(values), percentile(values, 95), empty / median(values)]);
  table(rows, 3);
}

const documents = envNumber('BENCH_SNAPSHOT_DOCUMENTS', 20_000);
const rounds = envNumber('BENCH_SNAPSHOT_ROUNDS', 200);
console.log(machineLine());
const pglite = await openDatabase('memory://');
await measure('PGlite', pglite, documents, rounds);
await pglite.close();
if (await requireServer('PostgreSQL', POSTGRES_URL)) {
  const created = await createTestDatabase();
  const server = await openDatabase(created.url);
  try {
    await measure('server PostgreSQL', server, documents, rounds);
  } finally {
    await server.close();
    await created.drop();
  }
}
console.log(machineLine());
