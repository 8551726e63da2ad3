// Bulk import throughput: `npm run bench:import`. Servers only (PostgreSQL + Ceph RGW). Prints numbers, never fails on them.
//
// A loopback source host serves BENCH_IMPORT_FILES files (1,000) of BENCH_IMPORT_MB MB (2) each; every file is one
// shared random buffer behind its own 16-byte header, so the files differ and the host holds one buffer only.
//   import     a URL-list batch through the platform: POST /imports, the import worker claims each task, fetches it
//              politely (limits raised for a loopback host: 8 requests in flight, no rate limit; the worker holds
//              BENCH_IMPORT_SLOTS items, 16, so an item's database writes overlap the next item's fetch), starts an
//              upload and streams the bytes to the presigned URL; timed from POST /imports to the batch's
//              finishedAt (when its last task settled), read once GET /imports/:id (asked every 500 ms) says
//              completed: the poll's interval is not part of the time.
//   baseline   the same files fetched and PUT into the incoming bucket by a plain loop, 8 in flight (fetch →
//              ObjectStore.put, streaming); timed from its start to its last PUT's answer.
// Both run BENCH_IMPORT_ROUNDS times (2), interleaved. No bucket notifications: only the import path is timed, not
// verification and renditions. Items/s and MB/s are printed with their ratio import/baseline (goal ≥ 0.8), and the
// process's peak RSS per round: flat across rounds and far below the bytes moved means nothing is buffered whole.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from '../../test/support/client.ts';
import { envNumber, interleave, machineBusySeconds, loadAverage, machineLine, median, MiB, type SelfTimed, startServerHost, table } from './lib.ts';

process.env.LOG_LEVEL ??= 'warn';
const files = envNumber('BENCH_IMPORT_FILES', 1000);
const fileBytes = Math.round(envNumber('BENCH_IMPORT_MB', 2) * 1e6);
const rounds = envNumber('BENCH_IMPORT_ROUNDS', 2);
const IN_FLIGHT = 8;
/** items the import worker holds at once: the source host still sees at most IN_FLIGHT requests */
const WORKER_SLOTS = envNumber('BENCH_IMPORT_SLOTS', 2 * IN_FLIGHT);

const body = randomBytes(fileBytes);

/** The source host: /f/<round>/<n>.bin → a 16-byte header naming the file, then the shared buffer. */
async function startSource(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/robots.txt') return void response.writeHead(404).end();
    const header = Buffer.alloc(16);
    header.write(request.url ?? '', 'latin1');
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': fileBytes });
    response.write(header);
    response.end(body.subarray(16));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Peak resident set size while `work` runs, sampled every 50 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 50);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  console.log(`bench:import — ${machineLine()}`);
  console.log(`${files} files × ${(fileBytes / 1e6).toFixed(1)} MB from a loopback host, ${rounds} rounds interleaved, ${IN_FLIGHT} requests in flight (import: ${WORKER_SLOTS} items held)\n`);
  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-bench-import-'));
  const source = await startSource();
  const server = await startServerHost({
    dataDir,
    nats: false,
    notifications: false,
    env: { LOG_LEVEL: process.env.LOG_LEVEL!, IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_HOST_CONCURRENCY: String(IN_FLIGHT), IMPORT_CONCURRENCY: String(WORKER_SLOTS), IMPORT_HOST_RATE: '100000', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      // the reconciliation sweep would verify the imported files (uploads whose notification never came) in this
      // process, in whichever round it happens to fire: off, so only the import path is timed
      UPLOAD_SWEEP_INTERVAL: '24h' },
  });
  if (!server) return;
  const { host } = server;
  const client = new Client(host.url, await host.platform.signer!.mint('bench', { newsroom: 'editor' }));
  const store = host.platform.store;
  const peaks: Record<'import' | 'baseline', number[]> = { import: [], baseline: [] };
  /** the machine's busy CPU seconds per variant (every process: this one, PostgreSQL, Ceph) */
  const cpu = { import: 0, baseline: 0 };
  let round = 0;
  const urls = (variant: string) => Array.from({ length: files }, (_, i) => `${source.url}/f/${variant}${round}/${i}.bin`);
  try {
    const samples = await interleave({
      import: async (): Promise<SelfTimed> => {
        const started = Date.now();
        const busy = machineBusySeconds();
        const { result: finishedAt, peak } = await peakRss(async () => {
          const created = await client.request('POST', '/imports', { projectId: 'newsroom', source: { type: 'urls', urls: urls('i') } });
          if (created.status !== 201) throw new Error(`POST /imports → ${created.status}: ${JSON.stringify(created.body)}`);
          for (;;) {
            const batch = (await client.request('GET', `/imports/${created.body.id}`)).body;
            if (batch.state === 'completed') {
              if (batch.counts.uploaded !== files) {
                const failed = (await client.request('GET', `/imports/${created.body.id}/tasks?state=failed&limit=1`)).body;
                throw new Error(`import ended with ${JSON.stringify(batch.counts)}: ${JSON.stringify(failed.tasks?.[0])}`);
              }
              return Date.parse(batch.finishedAt);
            }
            await new Promise((r) => setTimeout(r, 500)); // the status query is work on the same database: not too often
          }
        });
        peaks.import.push(peak);
        cpu.import += machineBusySeconds() - busy;
        // the database's clock and this process's are the machine's one clock
        return { elapsedMs: finishedAt - started };
      },
      baseline: async () => {
        const busy = machineBusySeconds();
        const { peak } = await peakRss(async () => {
          const list = urls('b');
          let next = 0;
          await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
            while (next < list.length) {
              const i = next++;
              const response = await fetch(list[i]!);
              if (!response.ok || !response.body) throw new Error(`GET ${list[i]} → ${response.status}`);
              await store.put(store.buckets.incoming, `baseline/${round}/${i}.bin`, Readable.fromWeb(response.body as any), 'application/octet-stream', Number(response.headers.get('content-length')));
            }
          }));
        });
        peaks.baseline.push(peak);
        cpu.baseline += machineBusySeconds() - busy;
      },
    }, { rounds, warmUp: 0, onRound: () => { round++; } });
    const rate = (ms: number[]) => files / (median(ms) / 1000);
    const importItems = rate(samples.import);
    const baselineItems = rate(samples.baseline);
    table([
      ['variant', 'median s', 'items/s', 'MB/s', 'peak RSS MB (per round)'],
      ['baseline fetch + PUT', median(samples.baseline) / 1000, baselineItems, (baselineItems * fileBytes) / 1e6, peaks.baseline.map((p) => (p / MiB).toFixed(0)).join(' / ')],
      ['import', median(samples.import) / 1000, importItems, (importItems * fileBytes) / 1e6, peaks.import.map((p) => (p / MiB).toFixed(0)).join(' / ')],
    ]);
    console.log(`import/baseline: ${(importItems / baselineItems).toFixed(2)}× items/s and MB/s (goal ≥ 0.8×)`);
    console.log(`machine CPU seconds, all rounds: baseline ${cpu.baseline.toFixed(1)}, import ${cpu.import.toFixed(1)} (${(cpu.import / cpu.baseline).toFixed(2)}×)`);
    console.log(`peak RSS of the import rounds: ${peaks.import.map((p) => (p / MiB).toFixed(0)).join(' → ')} MiB for ${((files * fileBytes) / MiB).toFixed(0)} MiB moved per round`);
    console.log(`load after: ${loadAverage()}`);
  } finally {
    await server.stop();
    source.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
