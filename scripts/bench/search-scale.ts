// Search at scale on the embedded default (PGlite): `npm run bench:search-scale`. Prints numbers, never fails on them.
// A synthetic newsroom catalogue (Spanish and English words with Zipf-like frequencies, tags, AI labels, people,
// 50 projects, 512-d clustered embeddings) is generated inside the database with generate_series, then every
// search kind runs interleaved with a baseline, each round with other query words and another query vector.
// Sizes: BENCH_SEARCH_SIZES (100000,1000000). The built data folder is kept in the temp folder, keyed by size,
// so a rerun skips the build. Embeddings and their HNSW index are built only up to HNSW_MAX_ROWS: beyond that
// PGlite's 2 GB WebAssembly memory cannot hold the index build (docs/benchmarks.md).
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { PostgresSearchIndex, weightedTsvector } from '../../shared/search/postgres.ts';
import type { Facet, SearchDocument, SearchQuery } from '../../shared/search/search-index.ts';
import { envNumber, interleave, loadAverage, machineLine, percentile, table } from './lib.ts';

const SIZES = (process.env.BENCH_SEARCH_SIZES ?? '100000,1000000').split(',').map(Number);
const ROUNDS = envNumber('BENCH_SEARCH_ROUNDS', 60);
const HNSW_MAX_ROWS = envNumber('BENCH_SEARCH_HNSW_MAX_ROWS', 300_000);
const BATCH = 10_000;
const INDEXING_DOCUMENTS = envNumber('BENCH_SEARCH_INDEXING_DOCUMENTS', 2000);
const DIMENSIONS = 512;
const CLUSTERS = 256;
const NOISE_VECTORS = 4096;
const PROJECTS = 50;
const PEOPLE = 2000;
/** Bump when the generator changes, so cached data folders of an older catalogue are not reused. */
const CATALOGUE_VERSION = 1;

// Newsroom vocabulary, most frequent first: a word's rank k gives it a frequency ∝ 1/k (Zipf).
const WORDS = `gobierno presidente ciudad año madrid police president government city people campaña elecciones
  partido fútbol match team policía equipo juez court tribunal ley law minister ministro economía economy
  mercado market empresa company precio price vivienda housing protesta protest huelga strike incendio fire
  lluvia rain tormenta storm playa beach verano summer invierno winter montaña mountain río river puerto port
  hospital salud health médico doctor escuela school universidad university estudiantes students festival
  concierto concert música music cine film teatro theatre museo museum exposición exhibition arte art libro
  book premio award ganador winner derrota defeat victoria victory estadio stadium liga league copa cup
  jugador player entrenador coach gol goal final semifinal carrera race maratón marathon ciclismo cycling
  tenis tennis baloncesto basketball atletismo athletics récord record calle street barrio neighbourhood
  tráfico traffic metro subway tren train aeropuerto airport vuelo flight coche car bicicleta bicycle
  accidente accident rescate rescue bomberos firefighters ejército army guerra war paz peace acuerdo agreement
  cumbre summit reunión meeting parlamento parliament senado senate votación vote alcalde mayor consejo
  council presupuesto budget impuestos taxes empleo jobs paro unemployment salario wage inflación inflation
  banco bank bolsa stocks energía energy petróleo oil gas electricidad electricity solar eólica wind clima
  climate sequía drought inundación flood terremoto earthquake volcán volcano bosque forest árbol tree parque
  park jardín garden animal perro dog gato cat caballo horse pájaro bird pescador fisherman barco boat
  mar sea costa coast isla island catedral cathedral iglesia church plaza square mercado market fiesta
  celebración celebration navidad christmas semana santa procesión procession desfile parade carnaval
  carnival boda wedding funeral homenaje tribute aniversario anniversary retrato portrait entrevista
  interview rueda prensa conference discurso speech manifestación demonstration frontera border migrantes
  migrants refugiados refugees tecnología technology inteligencia artificial internet datos data ciencia
  science investigación research espacio space satélite satellite cohete rocket vacuna vaccine virus
  pandemia pandemic noche night amanecer sunrise atardecer sunset luna moon sol sun nieve snow niebla fog`
  .split(/\s+/)
  .filter(Boolean);
const TAGS = `deportes política cultura economía sociedad internacional local sucesos tiempo ciencia tecnología
  salud educación medioambiente tribunales música cine fútbol opinión portada archivo exclusiva directo
  entrevista reportaje galería vídeo podcast infografía verano invierno`
  .split(/\s+/)
  .filter(Boolean);
const LABELS = `person persona crowd multitud car coche building edificio tree árbol dog perro sky cielo water agua
  ball balón flag bandera microphone micrófono boat barco street calle stage escenario`
  .split(/\s+/)
  .filter(Boolean);

/** A Zipf-like pick from a SQL text[] of n values: rank floor(e^(u·ln(n+1))) has probability ∝ 1/rank. */
const zipf = (array: string, n: number) => `${array}[floor(exp(random() * ln(${n + 1})))::int]`;
/** n Zipf picks joined by spaces; `g` keeps the subquery correlated, so it runs once per row. */
const words = (n: number) => `array_to_string(array(select ${zipf('w.words', WORDS.length)} from generate_series(1, ${n} + 0 * g)), ' ')`;

async function build(database: Database, size: number): Promise<{ seconds: number; indexes: [string, number][] }> {
  const { db } = database;
  const vectors = size <= HNSW_MAX_ROWS;
  await sql`create table bench_words (words text[], tags text[], labels text[])`.execute(db);
  await sql`insert into bench_words values (${WORDS}, ${TAGS}, ${LABELS})`.execute(db);
  await sql`create table bench_centroids (id int primary key, v vector(${sql.raw(String(DIMENSIONS))}))`.execute(db);
  await sql`create table bench_noise (id int primary key, v vector(${sql.raw(String(DIMENSIONS))}))`.execute(db);
  const randomVector = (scale: number) => `array(select (random() - 0.5) * ${scale} from generate_series(1, ${DIMENSIONS} + 0 * i))::vector`;
  await sql.raw(`insert into bench_centroids select i, ${randomVector(2)} from generate_series(0, ${CLUSTERS - 1}) i`).execute(db);
  await sql.raw(`insert into bench_noise select i, ${randomVector(0.6)} from generate_series(0, ${NOISE_VECTORS - 1}) i`).execute(db);

  // The secondary indexes are dropped for the load and rebuilt from their own definitions afterwards:
  // one bulk build is much cheaper than a million incremental inserts into GIN and HNSW.
  const indexes = (await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_indexes
    where tablename = 'search_documents' and indexname <> 'search_documents_pkey'`.execute(db)).rows;
  for (const index of indexes) await sql.raw(`drop index ${index.name}`).execute(db);

  const started = performance.now();
  for (let from = 1; from <= size; from += BATCH) {
    const to = Math.min(size, from + BATCH - 1);
    await sql`insert into search_documents (asset_id, project_id, media_type, state, title, tags, labels, person_ids, filename,
        created_at, document, search_text, tsv, embedding)
      select asset_id, project_id, media_type, state, title, tags, labels, person_ids, filename, created_at,
        jsonb_build_object('assetId', asset_id, 'projectId', project_id, 'mediaType', media_type, 'state', state, 'title', title,
          'description', description, 'tags', tags, 'labels', labels, 'personIds', person_ids, 'filename', filename,
          'createdAt', created_at, 'fields', '{}'::jsonb),
        concat_ws(e'\n', title, description, array_to_string(tags, ' '), filename, array_to_string(labels, ' ')),
        ${weightedTsvector({
          A: sql.ref('title'),
          B: sql`array_to_string(tags || labels, ' ') || ' ' || filename || ' ' || regexp_replace(filename, '[_.-]+', ' ', 'g')`,
          C: sql.ref('description'),
          D: sql`''`,
        })},
        ${vectors ? sql`l2_normalize((select v from bench_centroids where id = g % ${CLUSTERS}) + (select v from bench_noise where id = (g::bigint * 7919) % ${NOISE_VECTORS}))` : sql`null`}
      from (
        select g, md5('asset' || g)::uuid as asset_id,
          'proj-' || floor(exp(random() * ln(${PROJECTS + 1})))::int as project_id,
          (array['image', 'image', 'image', 'image', 'image', 'image', 'video', 'video', 'audio', 'document'])[1 + (g * 31 + floor(random() * 10)::int) % 10] as media_type,
          case when random() < 0.9 then 'ready' when random() < 0.5 then 'processing' else 'archived' end as state,
          ${sql.raw(words(4))} as title,
          ${sql.raw(words(14))} as description,
          array(select distinct ${sql.raw(zipf('w.tags', TAGS.length))} from generate_series(1, 3 + 0 * g)) as tags,
          array(select distinct ${sql.raw(zipf('w.labels', LABELS.length))} from generate_series(1, 3 + 0 * g)) as labels,
          case when random() < 0.3 then array[md5('person' || floor(exp(random() * ln(${PEOPLE + 1})))::int)::uuid::text] else '{}' end as person_ids,
          'IMG_' || g || '.jpg' as filename,
          timestamptz '2026-11-01' - (${size} - g) * interval '150 seconds' - random() * interval '1 hour' as created_at
        from generate_series(${from}::int, ${to}::int) g, bench_words w
      ) generated`.execute(db);
    process.stdout.write(`\r  loaded ${to.toLocaleString('en')} of ${size.toLocaleString('en')} (${Math.round(to / ((performance.now() - started) / 1000))} rows/s)`);
  }
  console.log();
  const loaded = (performance.now() - started) / 1000;
  const built: [string, number][] = [];
  for (const index of indexes) {
    if (!vectors && index.definition.includes('hnsw')) continue;
    const indexStarted = performance.now();
    await sql`set maintenance_work_mem = '512MB'`.execute(db);
    await sql.raw(index.definition).execute(db);
    built.push([index.name, (performance.now() - indexStarted) / 1000]);
    console.log(`  index ${index.name}: ${built.at(-1)![1].toFixed(1)} s`);
  }
  await sql`vacuum analyze search_documents`.execute(db);
  return { seconds: loaded, indexes: built };
}

async function openCatalogue(size: number): Promise<Database> {
  const dataDir = join(tmpdir(), `mediateca-search-scale-${size}-v${CATALOGUE_VERSION}`);
  const done = join(dataDir, '.mediateca-bench-built');
  if (existsSync(done)) {
    console.log(`catalogue of ${size.toLocaleString('en')} assets: reusing ${dataDir} (delete it to rebuild)`);
    return openDatabase(dataDir);
  }
  await rm(dataDir, { recursive: true, force: true });
  console.log(`building a catalogue of ${size.toLocaleString('en')} assets in ${dataDir} …`);
  const database = await openDatabase(dataDir);
  const started = performance.now();
  const { seconds, indexes } = await build(database, size);
  const total = (performance.now() - started) / 1000;
  const indexSeconds = indexes.reduce((sum, [, s]) => sum + s, 0);
  const summary = `rows ${seconds.toFixed(1)} s (${Math.round(size / seconds)} assets/s) · indexes ${indexSeconds.toFixed(1)} s · total ${total.toFixed(1)} s (${Math.round(size / total)} assets/s)`;
  console.log(`  built: ${summary}`);
  writeFileSync(done, `${summary}\n`);
  return database;
}

/** Every match of one word, counted (slow at 1M: reported, never timed). */
async function countMatches(database: Database, word: string): Promise<number> {
  const tsquery = sql`(websearch_to_tsquery('mediateca_es', ${word}) || websearch_to_tsquery('mediateca_en', ${word}))`;
  return (await sql<{ n: number }>`select count(*)::int as n from search_documents where tsv @@ ${tsquery}`.execute(database.db)).rows[0]!.n;
}

/** A deterministic pseudo-random sequence, so runs ask the same queries. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

async function measure(size: number): Promise<void> {
  const database = await openCatalogue(size);
  const { db } = database;
  const index = new PostgresSearchIndex(db);
  const random = sequence(7);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]!;
  const projects = Array.from({ length: PROJECTS }, (_, i) => `proj-${i + 1}`);
  // Query words of mid frequency (ranks 41–150): each matches a few percent of the catalogue, as in DESIGN.md.
  const queryWords = WORDS.slice(40, 150);
  const centroids = (await sql<{ v: string }>`select v::text as v from bench_centroids order by id`.execute(db)).rows.map((row) => JSON.parse(row.v) as number[]);
  const hasVectors = (await sql<{ n: number }>`select count(*)::int as n from pg_indexes where indexname = 'search_documents_embedding'`.execute(db)).rows[0]!.n > 0;
  const queryVector = () => pick(centroids).map((x) => x + (random() - 0.5) * 0.6);
  const ids = (await sql<{ id: string }>`select asset_id as id from search_documents tablesample system (1) limit 1000`.execute(db)).rows.map((row) => row.id);
  const facets: Facet[] = ['mediaType', 'state', 'tags', 'labels'];
  const base = (): SearchQuery => ({ q: pick(queryWords), projectIds: projects, filters: {}, facets: [], limit: 20 });

  const totals: number[] = [];
  const variants: Record<string, () => Promise<unknown>> = {
    'baseline: primary-key lookup': () => db.selectFrom('search_documents').select('document').where('asset_id', '=', pick(ids)).executeTakeFirst(),
    text: async () => totals.push((await index.search(base())).total),
    'text + filters': () => index.search({ ...base(), filters: { mediaType: ['image', 'video'], state: ['ready'], from: new Date('2024-01-01') } }),
    'text + facets': () => index.search({ ...base(), facets }),
    'listing + facets (no q)': () => index.search({ ...base(), q: undefined, facets }),
    ...(hasVectors
      ? {
          semantic: () => index.search({ ...base(), q: undefined, mode: 'semantic', vector: queryVector() }),
          hybrid: () => index.search({ ...base(), mode: 'hybrid', vector: queryVector() }),
          'hybrid + facets': () => index.search({ ...base(), mode: 'hybrid', vector: queryVector(), facets }),
        }
      : {}),
  };
  // PGlite runs on this thread: the process's CPU time per query is its work, which other load on the
  // machine hardly changes, while wall time stretches with it.
  const warmUp = 2;
  const cpu: Record<string, number[]> = {};
  const withCpu = Object.fromEntries(Object.entries(variants).map(([name, run]) => [name, async () => {
    const started = process.cpuUsage();
    await run();
    const used = process.cpuUsage(started);
    (cpu[name] ??= []).push((used.user + used.system) / 1000);
  }]));
  const samples = await interleave(withCpu, { rounds: ROUNDS, warmUp });
  const cpuOf = (name: string) => cpu[name]!.slice(warmUp);
  const baseline = percentile(samples['baseline: primary-key lookup']!, 50);
  const exact: number[] = [];
  for (const word of queryWords.slice(0, 5)) exact.push(await countMatches(database, word));
  console.log(`\n${size.toLocaleString('en')} assets · ${ROUNDS} rounds · load ${loadAverage()} · text total per query: median ${percentile(totals, 50)} (exact count of 5 query words: ${exact.join(', ')})`);
  table([
    ['variant', 'p50 ms', 'p95 ms', 'p99 ms', 'p50 × baseline', 'p95 × baseline', 'CPU p50 ms', 'CPU p95 ms'],
    ...Object.entries(samples).map(([name, ms]) => [name, percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), percentile(ms, 50) / baseline, percentile(ms, 95) / baseline, percentile(cpuOf(name), 50), percentile(cpuOf(name), 95)]),
  ]);
  if (!hasVectors) console.log(`semantic and hybrid not measured at ${size.toLocaleString('en')}: no HNSW index above ${HNSW_MAX_ROWS.toLocaleString('en')} rows in PGlite\n`);
  await database.close();
}

/**
 * Bulk indexing through the adapter, embeddings included, into an empty in-memory PGlite with every index in
 * place (what reindexing an existing catalogue does): upsert one document at a time against upsertMany.
 */
async function indexingThroughput(): Promise<void> {
  const random = sequence(11);
  const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(Math.exp(random() * Math.log(WORDS.length)))]!).join(' ');
  const documents = (n: number): SearchDocument[] => Array.from({ length: n }, (_, i) => ({
    assetId: randomUUID(), projectId: `proj-${1 + (i % PROJECTS)}`, mediaType: 'image', state: 'ready', title: text(4), description: text(14),
    tags: [TAGS[i % TAGS.length]!], labels: [LABELS[i % LABELS.length]!], filename: `IMG_${i}.jpg`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), fields: {},
    embedding: Array.from({ length: DIMENSIONS }, () => random() - 0.5),
  }));
  // Each path into an empty database of its own, so both grow the same indexes from zero.
  const rate = async (write: (index: PostgresSearchIndex, docs: SearchDocument[]) => Promise<void>) => {
    const database = await openDatabase('memory://');
    const docs = documents(INDEXING_DOCUMENTS);
    const started = performance.now();
    await write(new PostgresSearchIndex(database.db), docs);
    const seconds = (performance.now() - started) / 1000;
    await database.close();
    return INDEXING_DOCUMENTS / seconds;
  };
  const singleRate = await rate(async (index, docs) => { for (const doc of docs) await index.upsert(doc); });
  const bulkRate = await rate((index, docs) => index.upsertMany(docs));
  const withoutVectors = await rate((index, docs) => index.upsertMany(docs.map(({ embedding, ...doc }) => doc)));
  console.log(`\nbulk indexing through the adapter (512-d embeddings unless said, every index in place, in-memory PGlite)`);
  table([
    ['path', 'documents', 'assets/s', '× baseline'],
    ['baseline: upsert, one at a time', String(INDEXING_DOCUMENTS), singleRate, 1],
    ['upsertMany (500 a statement)', String(INDEXING_DOCUMENTS), bulkRate, bulkRate / singleRate],
    ['upsertMany, no embeddings', String(INDEXING_DOCUMENTS), withoutVectors, withoutVectors / singleRate],
  ], 1);
}

console.log(machineLine());
await indexingThroughput();
for (const size of SIZES) await measure(size);
console.log(machineLine());
