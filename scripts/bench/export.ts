// `npm run bench:export [-- --events 20000 --rounds 3]`: the analytics export's cost and lag, embedded (PGlite in
// memory, filesystem store in a temporary folder).
//   - throughput: each round commits `events` new events, then times, interleaved, their bronze export (read the
//     log below the horizon, plan, encode, put, record) and the baseline — the same rows, already in memory,
//     written straight to Parquet files partitioned the same way. Ratio = export events/s ÷ baseline events/s.
//   - lag: one event committed, then an export run at once (flush): commit → file recorded in the manifest. The
//     lag in a deployment adds the schedule: at most EXPORT_INTERVAL + EXPORT_BATCH_MAX_AGE for a quiet log.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BRONZE_EVENT_SCHEMA, exportBronze } from '../../shared/analytics/bronze.ts';
import { parquetBuffer } from '../../shared/analytics/parquet.ts';
import { loadConfig } from '../../shared/config.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { envelopeOf } from '../../shared/events/envelope.ts';
import { createPlatform } from '../../shared/platform.ts';
import { machineLine, median, table, timeMs } from './lib.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } });
const eventsPerRound = Number(values.events);
const rounds = Number(values.rounds);

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-bench-export-'));
const config = loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://', LOG_LEVEL: 'warn' });
const platform = await createPlatform({ name: 'bench-export', config });
await platform.store.ensureBuckets();
const settings = { ...config.analytics, batchEvents: 10_000 };
// bronze alone (silver and gold read it back afterwards; they are not part of getting events out)
const bronzeOptions = { batchEvents: settings.batchEvents, batchMaxAgeSeconds: settings.batchMaxAgeSeconds, flush: true };
const TYPES = ['io.mediateca.asset.uploaded', 'io.mediateca.asset.rendered', 'io.mediateca.asset.enriched', 'io.mediateca.asset.updated'];

function makeEvents(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const assetId = crypto.randomUUID();
    return envelopeOf(TYPES[i % TYPES.length]!, EVENT_SOURCE, { assetId, projectId: `p${i % 5}`, version: 1, fields: ['title'], size: 1000 + i }, assetId);
  });
}

async function commit(events: ReturnType<typeof makeEvents>) {
  for (let i = 0; i < events.length; i += 500) await platform.db.transaction().execute((trx) => enqueue(trx, events.slice(i, i + 500)));
}

/** The baseline: the same rows, in memory, grouped by type and date, each group one Parquet file on disk. */
async function writeDirect(events: ReturnType<typeof makeEvents>, folder: string) {
  const groups = new Map<string, Record<string, unknown>[]>();
  events.forEach((event, i) => {
    const key = `type=${event.type}/date=${event.time.slice(0, 10)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push({ seq: i + 1, outbox_id: i + 1, specversion: '1.0', id: event.id, type: event.type, source: event.source, subject: event.subject, time: new Date(event.time), datacontenttype: 'application/json', data: JSON.stringify(event.data) });
  });
  for (const [key, rows] of groups) {
    for (let start = 0; start < rows.length; start += settings.batchEvents) {
      await mkdir(join(folder, key), { recursive: true });
      await writeFile(join(folder, key, `part-${start}.parquet`), await parquetBuffer(BRONZE_EVENT_SCHEMA, rows.slice(start, start + settings.batchEvents)));
    }
  }
}

console.log(`bench:export — ${machineLine()}\n${eventsPerRound} events a round, ${rounds} rounds (+1 warm-up), batches of ${settings.batchEvents}\n`);
const exportMs: number[] = [];
const directMs: number[] = [];
for (let round = 0; round <= rounds; round++) {
  const events = makeEvents(eventsPerRound);
  await commit(events);
  // alternate which goes first, so drift in the machine's load hits both alike
  const runs = [
    async () => { const ms = await timeMs(() => exportBronze(platform.db, platform.store, bronzeOptions)); if (round > 0) exportMs.push(ms); },
    async () => { const ms = await timeMs(() => writeDirect(events, join(dataDir, `direct-${round}`))); if (round > 0) directMs.push(ms); },
  ];
  for (const run of round % 2 ? runs : runs.reverse()) await run();
}

const lags: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  await commit(makeEvents(1));
  await exportBronze(platform.db, platform.store, bronzeOptions);
  lags.push(performance.now() - started);
}

const exportRate = eventsPerRound / (median(exportMs) / 1000);
const directRate = eventsPerRound / (median(directMs) / 1000);
table([
  ['', 'median ms', 'events/s'],
  ['export (log → bronze, manifest)', median(exportMs), exportRate],
  ['baseline: same rows → Parquet', median(directMs), directRate],
]);
console.log(`ratio export ÷ baseline throughput: ${(exportRate / directRate).toFixed(2)}×`);
console.log(`lag, commit → bronze file recorded (export run at once): median ${median(lags).toFixed(0)} ms over ${lags.length}; add EXPORT_INTERVAL (${config.analytics.intervalSeconds} s) + EXPORT_BATCH_MAX_AGE (${config.analytics.batchMaxAgeSeconds} s) at most for a scheduled run`);
await platform.close();
rmSync(dataDir, { recursive: true, force: true });
