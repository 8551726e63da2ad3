// Search at scale on the embedded default (PGlite): `npm run bench:search-scale`. Prints numbers, never fails on them.
// A synthetic newsroom catalogue is generated inside the database with generate_series: Spanish and English
// words with Zipf-like frequencies whose popular words drift over time, titles and camera/phone/editor file names
// like a newsroom's, tags, AI labels, people, 50 projects, a media-type mix that drifts from photos to video, and
// 512-d clustered embeddings with noise of their own per row. Then 37 queries (rare, mid, common, pairs; some with
// filters) run interleaved in both modes: exact (the default) and approximate=true (the bounded newest-250 path),
// each compared with the exact answer (overlap@10, total and facet error), and the exact answer itself checked
// against a plain SQL ranking of every match. The exact default runs twice: as PGlite answers it in SQL (the
// baseline) and with the term index (term-index.ts, what the embedded default runs), whose every answer must equal
// the SQL one. Semantic recall@10 is measured against exact (index-free) k-NN.
// BENCH_SEARCH_ENGINES=postgres,lancedb adds the LanceDB adapter (SEARCH_ENGINE=lancedb), loaded through the adapter
// from the same catalogue (kept beside it in the temp folder) and measured interleaved with PGlite: totals and
// facets against the plain reference, top 10 against Postgres's, latency, semantic and hybrid, time to searchable.
// Sizes: BENCH_SEARCH_SIZES (100000; 1000000 takes ~7 min to build and ~3 min for the term index on 2 cores, docs/benchmarks.md). The built data folder is kept in the temp folder, keyed by size,
// so a rerun skips the build. Every row has an embedding; PGlite keeps no HNSW index (the term index holds the graph).
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { LanceSearchIndex } from '../../shared/search/lancedb.ts';
import { PostgresSearchIndex, recountSearchRollups, weightedTsvector } from '../../shared/search/postgres.ts';
import { rrf } from '../../shared/search/rrf.ts';
import { TermIndex } from '../../shared/search/term-index.ts';
import { type Facet, type SearchDocument, type SearchIndex, type SearchQuery, type SearchResult, documentFrom } from '../../shared/search/search-index.ts';
import { envNumber, loadAverage, machineLine, percentile, table } from './lib.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const SIZES = (process.env.BENCH_SEARCH_SIZES ?? '100000').split(',').map(Number).filter((size) => size > 0);
const ROUNDS = envNumber('BENCH_SEARCH_ROUNDS', 5);
const BATCH = 10_000;
const INDEXING_DOCUMENTS = envNumber('BENCH_SEARCH_INDEXING_DOCUMENTS', 2000);
/** BENCH_SEARCH_BUILD_ONLY=1: build (or reuse) the catalogues of BENCH_SEARCH_SIZES and stop, no queries. */
const BUILD_ONLY = process.env.BENCH_SEARCH_BUILD_ONLY === '1';
/** BENCH_SEARCH_ENGINES: postgres (always) and, when listed, lancedb beside it. */
const WITH_LANCE = (process.env.BENCH_SEARCH_ENGINES ?? 'postgres').split(',').includes('lancedb');
/** Documents read from the catalogue and written per upsertMany when loading LanceDB. */
const LANCE_LOAD_BATCH = 5000;
const DIMENSIONS = 512;
const CLUSTERS = 256;
const NOISE_VECTORS = 4096;
const PROJECTS = 50;
const PEOPLE = 2000;
/** Bump when the generator changes, so cached data folders of an older catalogue are not reused. */
const CATALOGUE_VERSION = 4;

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

/**
 * A Zipf-like pick from a SQL text[] of n values: rank floor(e^(u·ln(n+1))) has probability ∝ 1/rank. The ranks
 * rotate by `drift` (a SQL integer growing with time), so what is popular changes over the catalogue's life.
 */
const zipf = (array: string, n: number, drift = '0') => `${array}[1 + (floor(exp(random() * ln(${n + 1})))::int - 1 + ${drift}) % ${n}]`;
/** How far popularity has drifted by row g: 0 for the oldest row, ~40 ranks for the newest. */
const DRIFT = (size: number) => `(g * 40 / ${size})::int`;
/** n Zipf picks joined by spaces; `g` keeps the subquery correlated, so it runs once per row. */
const words = (n: number, size: number) => `array_to_string(array(select ${zipf('w.words', WORDS.length, DRIFT(size))} from generate_series(1, ${n} + 0 * g)), ' ')`;

async function build(database: Database, size: number): Promise<{ seconds: number; indexes: [string, number][] }> {
  const { db } = database;
  await sql`create table bench_words (words text[], tags text[], labels text[])`.execute(db);
  await sql`insert into bench_words values (${WORDS}, ${TAGS}, ${LABELS})`.execute(db);
  await sql`create table bench_centroids (id int primary key, v vector(${sql.raw(String(DIMENSIONS))}))`.execute(db);
  await sql`create table bench_noise (id int primary key, v vector(${sql.raw(String(DIMENSIONS))}))`.execute(db);
  const randomVector = (scale: number) => `array(select (random() - 0.5) * ${scale} from generate_series(1, ${DIMENSIONS} + 0 * i))::vector`;
  await sql.raw(`insert into bench_centroids select i, ${randomVector(2)} from generate_series(0, ${CLUSTERS - 1}) i`).execute(db);
  await sql.raw(`insert into bench_noise select i, ${randomVector(0.6)} from generate_series(0, ${NOISE_VECTORS - 1}) i`).execute(db);

  // The secondary indexes are dropped for the load and rebuilt from their own definitions afterwards:
  // one bulk build is much cheaper than a million incremental inserts into GIN.
  const indexes = (await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_indexes
    where tablename = 'search_documents' and indexname <> 'search_documents_pkey'`.execute(db)).rows;
  for (const index of indexes) await sql.raw(`drop index ${index.name}`).execute(db);
  // The listing rollups' statement triggers are off for the load (a grouped upsert per batch into a growing
  // rollup slowed it down as it went) and both levels are counted once at the end, as a rebuild does.
  await sql`alter table search_documents disable trigger user`.execute(db);

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
        -- a cluster centre plus two noise vectors mixed by weights of the row's own: every row is its own point
        l2_normalize((select v from bench_centroids where id = g % ${CLUSTERS})
          + (select v from bench_noise where id = (g::bigint * 7919) % ${NOISE_VECTORS}) * array_fill((noise_a * 2)::real, array[${sql.lit(DIMENSIONS)}])::vector
          + (select v from bench_noise where id = (g::bigint * 104729 + 17) % ${NOISE_VECTORS}) * array_fill((noise_b * 2)::real, array[${sql.lit(DIMENSIONS)}])::vector)
      from (
        select g, md5('asset' || g)::uuid as asset_id,
          'proj-' || floor(exp(random() * ln(${PROJECTS + 1})))::int as project_id,
          -- photos give way to video over the years: image 75 % → 45 %
          case when random() < 0.75 - 0.3 * g / ${size} then 'image' when random() < 0.7 then 'video' when random() < 0.6 then 'audio' else 'document' end as media_type,
          case when random() < 0.9 then 'ready' when random() < 0.5 then 'processing' else 'archived' end as state,
          initcap(${sql.raw(words(1, size))}) || (array[' de ', ' en ', ' and ', ': '])[1 + g % 4] || ${sql.raw(words(3, size))} as title,
          ${sql.raw(words(14, size))} as description,
          array(select distinct ${sql.raw(zipf('w.tags', TAGS.length, DRIFT(size)))} from generate_series(1, 3 + 0 * g)) as tags,
          array(select distinct ${sql.raw(zipf('w.labels', LABELS.length))} from generate_series(1, 3 + 0 * g)) as labels,
          case when random() < 0.3 then array[md5('person' || floor(exp(random() * ln(${PEOPLE + 1})))::int)::uuid::text] else '{}' end as person_ids,
          -- camera counters repeat (IMG_0001 … IMG_9999), phones name by time, editors by words and versions
          (array[
            'IMG_' || lpad(((g * 7) % 10000)::text, 4, '0') || '.JPG',
            'DSC' || lpad(((g * 13) % 100000)::text, 5, '0') || '.ARW',
            'VID_' || to_char(timestamptz '2026-11-01' - (${size} - g) * interval '150 seconds', 'YYYYMMDD_HH24MISS') || '.mp4',
            replace(${sql.raw(words(3, size))}, ' ', '_') || '_v' || (g % 5) || '.jpg'
          ])[1 + g % 4] as filename,
          timestamptz '2026-11-01' - (${size} - g) * interval '150 seconds' - random() * interval '1 hour' as created_at,
          random() as noise_a, random() as noise_b
        from generate_series(${from}::int, ${to}::int) g, bench_words w
      ) generated`.execute(db);
    process.stdout.write(`\r  loaded ${to.toLocaleString('en')} of ${size.toLocaleString('en')} (${Math.round(to / ((performance.now() - started) / 1000))} rows/s)`);
  }
  console.log();
  const loaded = (performance.now() - started) / 1000;
  const built: [string, number][] = [];
  const rollupStarted = performance.now();
  await recountSearchRollups(db);
  await sql`alter table search_documents enable trigger user`.execute(db);
  built.push(['listing rollups (both levels)', (performance.now() - rollupStarted) / 1000]);
  console.log(`  listing rollups: ${built.at(-1)![1].toFixed(1)} s`);
  for (const index of indexes) {
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

/**
 * The catalogue's documents (and embeddings, where built) loaded into LanceDB through the adapter: upsertMany
 * batches in one bulkLoad, which folds them into the indexes once at the end. Kept in the temp folder like the
 * catalogue.
 */
async function openLanceCatalogue(size: number, database: Database): Promise<LanceSearchIndex> {
  const path = join(tmpdir(), `mediateca-search-scale-${size}-v${CATALOGUE_VERSION}-lancedb`);
  const done = join(path, '.mediateca-bench-built');
  if (existsSync(done)) {
    console.log(`LanceDB catalogue of ${size.toLocaleString('en')} assets: reusing ${path} (delete it to rebuild)`);
    return LanceSearchIndex.open({ path, dimensions: DIMENSIONS });
  }
  await rm(path, { recursive: true, force: true });
  console.log(`loading the catalogue into LanceDB at ${path} …`);
  const index = await LanceSearchIndex.open({ path, dimensions: DIMENSIONS });
  const { db } = database;
  const hasEmbeddings = (await sql<{ n: number }>`select count(*)::int as n from pg_attribute where attrelid = 'search_documents'::regclass and attname = 'embedding'`.execute(db)).rows[0]!.n > 0;
  let writing = 0;
  const started = performance.now();
  await index.bulkLoad(async () => {
    for (let after = '00000000-0000-0000-0000-000000000000', loaded = 0; ;) {
      const rows = (await sql<{ asset_id: string; document: Record<string, unknown>; embedding: string | null }>`select asset_id, document,
        ${hasEmbeddings ? sql`embedding::text` : sql`null`} as embedding from search_documents where asset_id > ${after}::uuid order by asset_id limit ${LANCE_LOAD_BATCH}`.execute(db)).rows;
      if (rows.length === 0) break;
      const documents = rows.map((row): SearchDocument => ({ ...documentFrom(row.document), ...(row.embedding ? { embedding: JSON.parse(row.embedding) as number[] } : {}) }));
      const writeStarted = performance.now();
      await index.upsertMany(documents);
      writing += (performance.now() - writeStarted) / 1000;
      loaded += rows.length;
      after = rows.at(-1)!.asset_id;
      process.stdout.write(`\r  written ${loaded.toLocaleString('en')} of ${size.toLocaleString('en')} (${Math.round(loaded / writing)} assets/s in upsertMany)`);
    }
  });
  const total = (performance.now() - started) / 1000;
  const summary = `upsertMany ${writing.toFixed(1)} s (${Math.round(size / writing)} assets/s) · fold into the indexes ${(total - writing).toFixed(1)} s (catalogue reads included) · total ${total.toFixed(1)} s (${Math.round(size / total)} assets/s)`;
  console.log(`\n  LanceDB built: ${summary}`);
  writeFileSync(done, `${summary}\n`);
  return index;
}

/** A deterministic pseudo-random sequence, so runs ask the same queries. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

type QueryClass = 'rare' | 'mid' | 'common' | 'pair' | 'listing';
type BenchQuery = { label: string; queryClass: QueryClass; filtered: boolean; query: SearchQuery };
const FACETS_MEASURED: Facet[] = ['mediaType', 'state', 'tags', 'labels'];

/**
 * 37 text queries (8 rare: camera file names and pairs of rare words; 11 mid and 11 common single words; 7 pairs
 * of a common and a mid word, both to match), 16 of them with filters, and 3 listings; every one asks for the four
 * facets.
 */
function benchQueries(projects: string[], size: number, fileNames: string[]): BenchQuery[] {
  const random = sequence(7);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]!;
  const rare = [
    ...fileNames.slice(0, 4).map((name) => name.replace(/\.[A-Za-z0-9]+$/, '')),
    ...Array.from({ length: 4 }, () => `${pick(WORDS.slice(250))} ${pick(WORDS.slice(250))}`),
  ];
  const mid = Array.from({ length: 11 }, () => pick(WORDS.slice(40, 200)));
  const common = Array.from({ length: 11 }, () => pick(WORDS.slice(0, 20)));
  // two words that must both match, one common and one mid
  const pairs = Array.from({ length: 7 }, () => `${pick(WORDS.slice(0, 20))} ${pick(WORDS.slice(40, 200))}`);
  // The newest 40 % of the catalogue (the generator spaces rows 150 s apart, ending 2026-11-01).
  const recent = new Date(Date.parse('2026-11-01') - size * 0.4 * 150_000);
  const filterSets = [{ mediaType: ['image', 'video'], state: ['ready'] }, { from: recent }, { tags: [TAGS[0]!] }, { mediaType: ['video'], from: recent }];
  const texts: [QueryClass, string][] = [
    ...rare.map((q) => ['rare', q] as [QueryClass, string]), ...mid.map((q) => ['mid', q] as [QueryClass, string]),
    ...common.map((q) => ['common', q] as [QueryClass, string]), ...pairs.map((q) => ['pair', q] as [QueryClass, string]),
  ];
  const queries = texts.map(([queryClass, q], i): BenchQuery => {
    const filtered = i % 7 === 1 || i % 7 === 3 || i % 7 === 5;
    const filters = filtered ? filterSets[i % filterSets.length]! : {};
    return { label: q, queryClass, filtered, query: { q, projectIds: projects, filters, facets: FACETS_MEASURED, limit: 10 } };
  });
  const listings = [{}, { projectId: [projects[0]!] }, { from: recent }].map((filters, i): BenchQuery => ({
    label: `listing ${i + 1}`, queryClass: 'listing', filtered: i > 0, query: { projectIds: projects, filters, facets: FACETS_MEASURED, limit: 10 },
  }));
  return [...queries, ...listings];
}

/** Share of b's ids among a's (both top 10s): overlap@10. */
const overlap = (a: string[], b: string[]) => (a.length === 0 && b.length === 0 ? 1 : a.filter((id) => b.includes(id)).length / Math.max(a.length, b.length));
const relativeError = (value: number, exact: number) => (exact === 0 ? (value === 0 ? 0 : 1) : Math.abs(value - exact) / exact);

/** Largest relative facet error, split into large buckets (≥ 1 % of the matches) and small ones; a missing value is 100 % off. */
function facetErrors(result: SearchResult, exact: SearchResult): { large: number; small: number } {
  let large = 0;
  let small = 0;
  for (const facet of FACETS_MEASURED) {
    const counts = new Map((result.facets[facet] ?? []).map((bucket) => [bucket.value, bucket.count]));
    for (const bucket of exact.facets[facet] ?? []) {
      const error = relativeError(counts.get(bucket.value) ?? 0, bucket.count);
      if (bucket.count >= exact.total / 100) large = Math.max(large, error);
      else small = Math.max(small, error);
    }
  }
  return { large, small };
}

/**
 * The reference answer, computed the plain way: every match's rank and facet columns read into JavaScript,
 * sorted and counted here (a listing: every document in scope, newest first). The adapter's exact answer must
 * equal it, the rollup's counts of a listing included.
 */
async function referenceAnswer(database: Database, query: SearchQuery): Promise<{ top: string[]; total: number; facets: Map<string, Map<string, number>> }> {
  const tsquery = query.q ? sql`(websearch_to_tsquery('mediateca_es', ${query.q}) || websearch_to_tsquery('mediateca_en', ${query.q}))` : undefined;
  const { filters } = query;
  // a listing (no q): every document in scope, newest first
  const rank = tsquery ? sql`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', tsv, ${tsquery})::float8` : sql`0::float8`;
  const rows = (await sql<{ asset_id: string; rank: number; media_type: string; state: string; tags: string[]; labels: string[]; created_at: Date }>`
    select asset_id, ${rank} as rank, media_type, state, tags, labels, created_at
    from search_documents where ${tsquery ? sql`tsv @@ ${tsquery}` : sql`true`} and project_id in (${sql.join(filters.projectId ?? query.projectIds)})`.execute(database.db)).rows
    .filter((row) => (!filters.mediaType || filters.mediaType.includes(row.media_type)) && (!filters.state || filters.state.includes(row.state))
      && (!filters.tags || filters.tags.every((tag) => row.tags.includes(tag))) && (!filters.from || row.created_at >= filters.from));
  // text: rank, then asset id descending; a listing: newest first, then asset id descending
  rows.sort((a, b) => b.rank - a.rank || (tsquery ? 0 : b.created_at.getTime() - a.created_at.getTime()) || (a.asset_id < b.asset_id ? 1 : -1));
  const facets = new Map<string, Map<string, number>>();
  for (const [facet, column] of [['mediaType', 'media_type'], ['state', 'state'], ['tags', 'tags'], ['labels', 'labels']] as const) {
    const counts = new Map<string, number>();
    for (const row of rows) for (const value of [row[column]].flat()) counts.set(value, (counts.get(value) ?? 0) + 1);
    facets.set(facet, counts);
  }
  return { top: rows.slice(0, query.limit).map((row) => row.asset_id), total: rows.length, facets };
}

async function measure(size: number): Promise<void> {
  const database = await openCatalogue(size);
  const { db } = database;
  const index = new PostgresSearchIndex(db);
  const { termIndex, terms } = await openTermIndex(db);
  const lance = WITH_LANCE ? await openLanceCatalogue(size, database) : undefined;
  const random = sequence(7);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]!;
  const projects = Array.from({ length: PROJECTS }, (_, i) => `proj-${i + 1}`);
  // Camera file names of existing rows (IMG_0042, DSC00123): a handful of matches each.
  const fileNames = (await sql<{ name: string }>`select filename as name from search_documents where filename like 'IMG\\_%' or filename like 'DSC%'
    order by md5(asset_id::text) limit 4`.execute(db)).rows.map((row) => row.name);
  const queries = benchQueries(projects, size, fileNames);
  const ids = (await sql<{ id: string }>`select asset_id as id from search_documents tablesample system (1) limit 1000`.execute(db)).rows.map((row) => row.id);

  // Exactness: each query once in each mode, against the exact answer, and the exact answer against the reference.
  const exactness: Record<QueryClass, { overlap: number[]; overlapTies: number[]; total: number[]; facetLarge: number[]; facetSmall: number[]; matches: number[]; reference: number[] }> = {} as never;
  const lanceExactness: Record<QueryClass, { totalError: number[]; facetsAgree: number[]; overlap: number[]; matches: number[] }> = {} as never;
  const termsAgree: Record<QueryClass, { equal: number; answered: number; queries: number }> = {} as never;
  for (const { label, queryClass, query } of queries) {
    const exact = await index.search(query);
    {
      const answered = termIndex.answered;
      const answer = await terms.search(query);
      const entry = (termsAgree[queryClass] ??= { equal: 0, answered: 0, queries: 0 });
      entry.queries++;
      if (termIndex.answered > answered) entry.answered++;
      if (isDeepStrictEqual(answer, exact)) entry.equal++;
      else console.log(`  the term index's answer differs from SQL's for "${label}": total ${answer.total} vs ${exact.total}`);
    }
    const approximate = await index.search({ ...query, approximate: true });
    const top = (result: SearchResult) => result.hits.map((hit) => hit.assetId);
    const tenth = exact.hits.at(-1)?.score ?? 0;
    const entry = (exactness[queryClass] ??= { overlap: [], overlapTies: [], total: [], facetLarge: [], facetSmall: [], matches: [], reference: [] });
    entry.overlap.push(overlap(top(approximate), top(exact)));
    const tiesKept = approximate.hits.filter((hit) => hit.score >= tenth).length / Math.max(1, exact.hits.length);
    entry.overlapTies.push(queryClass === 'listing' || exact.hits.length === 0 ? overlap(top(approximate), top(exact)) : tiesKept);
    entry.total.push(relativeError(approximate.total, exact.total));
    const errors = facetErrors(approximate, exact);
    entry.facetLarge.push(errors.large);
    entry.facetSmall.push(errors.small);
    entry.matches.push(exact.total);
    {
      const reference = await referenceAnswer(database, query);
      const facetsAgree = FACETS_MEASURED.every((facet) => (exact.facets[facet] ?? []).every((bucket) => reference.facets.get(facet)!.get(bucket.value) === bucket.count));
      const agrees = reference.total === exact.total && overlap(top(exact), reference.top) === 1 && facetsAgree;
      entry.reference.push(agrees ? 1 : 0);
      if (!agrees) console.log(`  exact answer differs from the reference for "${label}": total ${exact.total} vs ${reference.total}`);
      if (lance) {
        const answer = await lance.search(query);
        const lanceEntry = (lanceExactness[queryClass] ??= { totalError: [], facetsAgree: [], overlap: [], matches: [] });
        lanceEntry.matches.push(answer.total);
        lanceEntry.totalError.push(relativeError(answer.total, reference.total));
        lanceEntry.facetsAgree.push(FACETS_MEASURED.every((facet) => (answer.facets[facet] ?? []).every((bucket) => reference.facets.get(facet)!.get(bucket.value) === bucket.count)) ? 1 : 0);
        lanceEntry.overlap.push(overlap(top(answer), top(exact)));
        if (answer.total !== reference.total) console.log(`  lancedb total differs from the reference for "${label}": ${answer.total} vs ${reference.total}`);
      }
    }
  }

  // Latency: every query in both modes, interleaved with the baseline, ROUNDS rounds.
  const samples: Record<string, number[]> = {};
  const time = async (name: string, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    (samples[name] ??= []).push(performance.now() - started);
  };
  for (let round = 0; round < ROUNDS + 1; round++) {
    const record = round > 0;
    for (const { queryClass, filtered, query } of queries) {
      const suffix = `${queryClass}${filtered ? ' + filters' : ''}`;
      const runs: [string, () => Promise<unknown>][] = [
        ['baseline: primary-key lookup', () => db.selectFrom('search_documents').select('document').where('asset_id', '=', pick(ids)).executeTakeFirst()],
        [`exact · ${suffix}`, () => index.search(query)],
        [`terms · ${suffix}`, () => terms.search(query)],
        [`approximate · ${suffix}`, () => index.search({ ...query, approximate: true })],
        ...(lance ? [[`lancedb · ${suffix}`, () => lance.search(query)] as [string, () => Promise<unknown>]] : []),
      ];
      for (const [name, work] of runs) (record ? await time(name, work) : await work());
    }
  }
  const baseline = percentile(samples['baseline: primary-key lookup']!, 50);
  console.log(`\n${size.toLocaleString('en')} assets · ${queries.length} queries × ${ROUNDS} rounds, both modes interleaved · load ${loadAverage()}`);
  console.log('exactness of approximate=true against the exact default (exact = 1.00 / 0 %); the exact default against a plain reference:');
  table([
    ['class', 'queries', 'matches median', 'overlap@10', 'overlap@10 ties', 'total err max', 'facet err max (large)', 'facet err max (small)', 'exact = reference'],
    ...Object.entries(exactness).map(([name, e]) => [
      name, String(e.overlap.length), String(percentile(e.matches, 50)), mean(e.overlap), mean(e.overlapTies),
      `${(Math.max(...e.total) * 100).toFixed(0)} %`, `${(Math.max(...e.facetLarge) * 100).toFixed(0)} %`, `${(Math.max(...e.facetSmall) * 100).toFixed(0)} %`,
      e.reference.length ? `${e.reference.filter(Boolean).length}/${e.reference.length}` : 'n/a',
    ]),
  ]);
  const rows = Object.entries(samples).map(([name, ms]) => [name, percentile(ms, 50), percentile(ms, 95), percentile(ms, 50) / baseline, percentile(ms, 95) / baseline] as [string, number, number, number, number]);
  table([['variant', 'p50 ms', 'p95 ms', 'p50 × baseline', 'p95 × baseline'], ...rows]);
  const all = (mode: string) => Object.entries(samples).filter(([name]) => name.startsWith(mode)).flatMap(([, ms]) => ms);
  const perClass = [...new Set(queries.map((q) => `${q.queryClass}${q.filtered ? ' + filters' : ''}`))];
  console.log('the term index (the embedded default) against SQL (exact, the baseline): answers equal to SQL\'s, answered from memory, latency ratio');
  table([
    ['class', 'queries', 'equal to SQL', 'answered by the term index', 'terms p50 / SQL p50', 'terms p95 / SQL p95'],
    ...perClass.map((c) => {
      const agree = termsAgree[c.replace(' + filters', '') as QueryClass];
      return [c, String(agree.queries), `${agree.equal}/${agree.queries}`, `${agree.answered}/${agree.queries}`, percentile(samples[`terms · ${c}`]!, 50) / percentile(samples[`exact · ${c}`]!, 50), percentile(samples[`terms · ${c}`]!, 95) / percentile(samples[`exact · ${c}`]!, 95)] as [string, string, string, string, number, number];
    }),
    ['all queries', String(queries.length), '', '', percentile(all('terms'), 50) / percentile(all('exact'), 50), percentile(all('terms'), 95) / percentile(all('exact'), 95)],
  ]);
  console.log(`all queries: terms p50 ${percentile(all('terms'), 50).toFixed(1)} ms, p95 ${percentile(all('terms'), 95).toFixed(1)} ms; SQL exact p50 ${percentile(all('exact'), 50).toFixed(1)} ms, p95 ${percentile(all('exact'), 95).toFixed(1)} ms`);
  table([
    ['class', 'exact p50 / approx p50', 'exact p95 / approx p95'],
    ...perClass.map((c) => [c, percentile(samples[`exact · ${c}`]!, 50) / percentile(samples[`approximate · ${c}`]!, 50), percentile(samples[`exact · ${c}`]!, 95) / percentile(samples[`approximate · ${c}`]!, 95)] as [string, number, number]),
    ['all queries', percentile(all('exact'), 50) / percentile(all('approximate'), 50), percentile(all('exact'), 95) / percentile(all('approximate'), 95)],
  ]);
  console.log(`all queries: exact p50 ${percentile(all('exact'), 50).toFixed(1)} ms, p95 ${percentile(all('exact'), 95).toFixed(1)} ms; approximate p50 ${percentile(all('approximate'), 50).toFixed(1)} ms, p95 ${percentile(all('approximate'), 95).toFixed(1)} ms`);
  if (lance) {
    console.log('LanceDB (exact, BM25) against the plain reference (Postgres analysis) and against the Postgres exact top 10 (ts_rank_cd):');
    table([
      ['class', 'queries', 'matches median', 'total err max', 'facets = reference', 'overlap@10 with Postgres exact'],
      ...Object.entries(lanceExactness).map(([name, e]) => [
        name, String(e.matches.length), String(percentile(e.matches, 50)), `${(Math.max(...e.totalError) * 100).toFixed(1)} %`,
        `${e.facetsAgree.filter(Boolean).length}/${e.facetsAgree.length}`, mean(e.overlap),
      ]),
    ]);
    table([
      ['class', 'lancedb p50 / exact p50', 'lancedb p95 / exact p95'],
      ...perClass.map((c) => [c, percentile(samples[`lancedb · ${c}`]!, 50) / percentile(samples[`exact · ${c}`]!, 50), percentile(samples[`lancedb · ${c}`]!, 95) / percentile(samples[`exact · ${c}`]!, 95)] as [string, number, number]),
      ['all queries', percentile(all('lancedb'), 50) / percentile(all('exact'), 50), percentile(all('lancedb'), 95) / percentile(all('exact'), 95)],
    ]);
    console.log(`all queries: lancedb p50 ${percentile(all('lancedb'), 50).toFixed(1)} ms, p95 ${percentile(all('lancedb'), 95).toFixed(1)} ms`);
  }
  await timeToSearchable([['baseline: postgres (PGlite, SQL)', index], ['postgres with the term index', terms], ...(lance ? [['lancedb (upsert folds into the indexes)', lance] as [string, SearchIndex]] : [])]);
  await semanticRecall(database, terms, projects, lance);
  await lance?.close();
  await database.close();
}

/**
 * The embedded default's term index over the catalogue: built once (time, and the heap it holds after a full
 * collection), then the adapter that answers through it.
 */
async function openTermIndex(db: Database['db']): Promise<{ termIndex: TermIndex; terms: PostgresSearchIndex }> {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const termIndex = new TermIndex(db);
  await termIndex.rebuild();
  if (!termIndex.ready) throw new Error(`the term index did not build: ${String(termIndex.lastError)}`);
  const seconds = (performance.now() - started) / 1000;
  collectGarbage();
  // the postings and columns are typed arrays, outside the JavaScript heap (where PGlite's WebAssembly memory also is)
  const heap = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const stats = termIndex.stats()!;
  console.log(`  term index built: ${seconds.toFixed(1)} s; ${stats.documents.toLocaleString('en')} documents, ${stats.lexemes.toLocaleString('en')} lexemes kept; typed arrays ${(stats.arrayBytes / 2 ** 20).toFixed(0)} MiB + JavaScript heap ${heap.toFixed(0)} MiB (ids, lexemes); rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB in all`);
  return { termIndex, terms: new PostgresSearchIndex(db, { termIndex }) };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

/**
 * Semantic recall@10 of the term index's HNSW graph (its candidates scored exactly) against exact k-NN over every
 * row (SQL: PGlite keeps no vector index), unfiltered and with a media-type filter, and hybrid overlap@10 against
 * RRF of the exact text and exact k-NN top 100; the exact k-NN's latency is the baseline.
 */
async function semanticRecall(database: Database, terms: PostgresSearchIndex, projects: string[], lance: LanceSearchIndex | undefined): Promise<void> {
  const { db } = database;
  const hasVectors = (await sql<{ any: boolean }>`select exists (select 1 from search_documents where embedding is not null) as any`.execute(db)).rows[0]!.any;
  if (!hasVectors) return console.log(`semantic and hybrid not measured: no embeddings in this catalogue\n`);
  const random = sequence(13);
  const centroids = (await sql<{ v: string }>`select v::text as v from bench_centroids order by id`.execute(db)).rows.map((row) => JSON.parse(row.v) as number[]);
  const queryVector = () => centroids[Math.floor(random() * centroids.length)]!.map((x) => x + (random() - 0.5) * 0.6);
  const exactNearest = async (vector: number[], k: number, mediaType?: string) => (await sql<{ asset_id: string }>`select asset_id from search_documents
    where embedding is not null and project_id in (${sql.join(projects)}) ${mediaType ? sql`and media_type = ${mediaType}` : sql``}
    order by embedding <=> ${`[${vector.join(',')}]`}::vector limit ${k}`.execute(db)).rows.map((row) => row.asset_id);
  const recall: number[] = [];
  const filteredRecall: number[] = [];
  const hybridOverlap: number[] = [];
  const lanceRecall: number[] = [];
  const lanceHybridOverlap: number[] = [];
  const samples: Record<string, number[]> = {};
  const time = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    (samples[name] ??= []).push(performance.now() - started);
    return result;
  };
  for (let i = 0; i < Math.min(ROUNDS * 2, 20); i++) {
    const vector = queryVector();
    const q = WORDS[40 + Math.floor(random() * 160)]!;
    const base: SearchQuery = { projectIds: projects, filters: {}, facets: [], limit: 10 };
    const video: SearchQuery['filters'] = { mediaType: ['video'] };
    const exact = await time('baseline: exact k-NN (SQL, every row)', () => exactNearest(vector, 100));
    const semantic = await time('semantic (term index graph)', () => terms.search({ ...base, mode: 'semantic', vector }));
    const exactVideo = await time('exact k-NN, media type video (SQL)', () => exactNearest(vector, 10, 'video'));
    const semanticVideo = await time('semantic, media type video (term index graph)', () => terms.search({ ...base, filters: video, mode: 'semantic', vector }));
    const hybrid = await time('hybrid (term index text + graph)', () => terms.search({ ...base, q, mode: 'hybrid', vector }));
    recall.push(overlap(semantic.hits.map((hit) => hit.assetId), exact.slice(0, 10)));
    filteredRecall.push(overlap(semanticVideo.hits.map((hit) => hit.assetId), exactVideo));
    const textTop = (await terms.search({ ...base, q, limit: 100 })).hits.map((hit) => hit.assetId);
    const exactFused = rrf([{ ids: textTop, weight: 1 }, { ids: exact, weight: 1 }]).slice(0, 10).map((entry) => entry.id);
    hybridOverlap.push(overlap(hybrid.hits.map((hit) => hit.assetId), exactFused));
    if (lance) {
      const lanceSemantic = await time('lancedb semantic (exact flat k-NN)', () => lance.search({ ...base, mode: 'semantic', vector }));
      const lanceHybrid = await time('lancedb hybrid (exact BM25 + exact k-NN)', () => lance.search({ ...base, q, mode: 'hybrid', vector }));
      lanceRecall.push(overlap(lanceSemantic.hits.map((hit) => hit.assetId), exact.slice(0, 10)));
      const lanceText = (await lance.search({ ...base, q, limit: 100 })).hits.map((hit) => hit.assetId);
      const lanceFused = rrf([{ ids: lanceText, weight: 1 }, { ids: exact, weight: 1 }]).slice(0, 10).map((entry) => entry.id);
      lanceHybridOverlap.push(overlap(lanceHybrid.hits.map((hit) => hit.assetId), lanceFused));
    }
  }
  const baseline = percentile(samples['baseline: exact k-NN (SQL, every row)']!, 50);
  const summary = (values: number[]) => `mean ${mean(values).toFixed(3)}, min ${Math.min(...values).toFixed(2)}`;
  console.log(`semantic recall@10 against exact k-NN: ${summary(recall)}; with a media-type filter: ${summary(filteredRecall)}; hybrid overlap@10 with exact RRF: ${summary(hybridOverlap)}`);
  if (lance) console.log(`lancedb semantic recall@10 against exact k-NN: ${summary(lanceRecall)}; hybrid overlap@10 with exact RRF (its BM25 top 100): ${summary(lanceHybridOverlap)}`);
  table([['variant', 'p50 ms', 'p95 ms', 'exact k-NN p50 ÷ this p50'], ...Object.entries(samples).map(([name, ms]) => [name, percentile(ms, 50), percentile(ms, 95), baseline / percentile(ms, 50)] as [string, number, number, number])], 1);
}

/**
 * An asset searchable after its event: one upsert of a new document with a word of its own, then the search that
 * finds it, on each engine's catalogue in turn (the document removed after); the Postgres upsert is the baseline.
 */
async function timeToSearchable(engines: [string, SearchIndex][]): Promise<void> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, index] of engines) {
      const word = `zqx${randomUUID().slice(0, 8)}`;
      const doc: SearchDocument = { assetId: randomUUID(), projectId: 'proj-1', mediaType: 'image', state: 'ready', title: `${word} nuevo`, description: '', tags: [], filename: 'new.jpg', createdAt: new Date(), fields: {} };
      const started = performance.now();
      await index.upsert(doc);
      const found = await index.search({ q: word, projectIds: ['proj-1'], filters: {}, facets: [], limit: 10 });
      (samples[name] ??= []).push(performance.now() - started);
      if (found.total !== 1) console.log(`  ${name}: the new document was not found at once`);
      await index.remove(doc.assetId);
    }
  }
  const baseline = percentile(samples[engines[0]![0]]!, 50);
  console.log(`time to searchable (upsert, then the search that finds it) · load ${loadAverage()}`);
  table([['engine', 'p50 ms', 'p95 ms', 'p50 × baseline'], ...Object.entries(samples).map(([name, ms]) => [name, percentile(ms, 50), percentile(ms, 95), percentile(ms, 50) / baseline] as [string, number, number, number])]);
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
  const rate = async (write: (index: PostgresSearchIndex, docs: SearchDocument[], db: Database['db']) => Promise<void>) => {
    const database = await openDatabase('memory://');
    const docs = documents(INDEXING_DOCUMENTS);
    const started = performance.now();
    await write(new PostgresSearchIndex(database.db), docs, database.db);
    const seconds = (performance.now() - started) / 1000;
    await database.close();
    return INDEXING_DOCUMENTS / seconds;
  };
  const singleRate = await rate(async (index, docs) => { for (const doc of docs) await index.upsert(doc); });
  const bulkRate = await rate((index, docs) => index.upsertMany(docs));
  const withoutVectors = await rate((index, docs) => index.upsertMany(docs.map(({ embedding, ...doc }) => doc)));
  // The embedded default: the term index's change log records each statement's documents.
  const withTermIndex = await rate(async (index, docs, db) => {
    await new TermIndex(db).rebuild();
    await index.upsertMany(docs.map(({ embedding, ...doc }) => doc));
  });
  // The same with embeddings, until a search has applied them: its text postings and its graph's inserts.
  const withTermIndexVectors = await rate(async (index, docs, db) => {
    const termIndex = new TermIndex(db);
    await termIndex.rebuild();
    await index.upsertMany(docs);
    const found = await new PostgresSearchIndex(db, { termIndex }).search({ projectIds: [...new Set(docs.map((doc) => doc.projectId))], filters: {}, facets: [], limit: 10, mode: 'semantic', vector: docs[0]!.embedding });
    if (found.hits[0]?.assetId !== docs[0]!.assetId) throw new Error('the first document is not its own nearest');
  });
  // What keeping the listing rollup (migration 0010's statement triggers) costs a bulk write.
  const withoutRollup = await rate(async (index, docs, db) => {
    await sql`alter table search_documents disable trigger user`.execute(db);
    await index.upsertMany(docs.map(({ embedding, ...doc }) => doc));
  });
  console.log(`\nbulk indexing through the adapter (512-d embeddings unless said, every index in place (no vector index in PGlite), in-memory PGlite)`);
  table([
    ['path', 'documents', 'assets/s', '× baseline'],
    ['baseline: upsert, one at a time', String(INDEXING_DOCUMENTS), singleRate, 1],
    ['upsertMany (500 a statement)', String(INDEXING_DOCUMENTS), bulkRate, bulkRate / singleRate],
    ['upsertMany, no embeddings', String(INDEXING_DOCUMENTS), withoutVectors, withoutVectors / singleRate],
    ['upsertMany, no embeddings, term index change log', String(INDEXING_DOCUMENTS), withTermIndex, withTermIndex / singleRate],
    ['upsertMany, then a search applies them to the term index (text and graph)', String(INDEXING_DOCUMENTS), withTermIndexVectors, withTermIndexVectors / singleRate],
    ['upsertMany, no embeddings, rollup triggers off', String(INDEXING_DOCUMENTS), withoutRollup, withoutRollup / singleRate],
  ], 1);
}

console.log(machineLine());
if (BUILD_ONLY) {
  for (const size of SIZES) await (await openCatalogue(size)).close();
} else {
  await indexingThroughput();
  for (const size of SIZES) await measure(size);
}
console.log(machineLine());
