// bench:faults — the fault suite at full size: FAULT_UPLOADS (200) unique JPEGs per scenario through the pipeline
// as the cluster runs it (test/faults/cluster.ts), printing uploads / ready / lost / duplicated / stuck / recovery
// per scenario. Then the pipeline's throughput against jetstream-bridge's DELIVERY_CONCURRENCY, on one cluster,
// interleaved (1, 2, 4, 1, 2, 4 …): with the bridge stopped, a batch is uploaded and verified (its events wait in
// the stream); the bridge starts at the level measured, and the rate is files ready per minute between the first
// and the last one, so neither the uploads nor the bridge's start count. Ratios are against concurrency 1.
// Needs Ceph RGW (scripts/services/ceph-rgw.sh), PostgreSQL 15's binaries and nats-server; starts its own
// PostgreSQL and NATS. FAULT_SCENARIOS=baseline,… picks scenarios (`none` skips them); FAULT_ROUNDS (2) repeats
// the concurrency runs.
import { Cluster } from '../../test/faults/cluster.ts';
import { type BatchResult, SCENARIOS, formatTable, runScenario, uploadAll } from '../../test/faults/scenarios.ts';

const uploads = Number(process.env.FAULT_UPLOADS ?? 200);
const rounds = Number(process.env.FAULT_ROUNDS ?? 2);
const picked = process.env.FAULT_SCENARIOS?.split(',').map((name) => name.trim());
const log = (line: string) => console.error(line);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cluster = new Cluster({ log: process.env.FAULT_LOG ? log : undefined });
await cluster.start();
try {
  const results: BatchResult[] = [];
  for (const scenario of SCENARIOS.filter((s) => !picked || picked.some((name) => s.name.startsWith(name)))) {
    results.push(await runScenario(cluster, scenario, { uploads, log }));
    log(formatTable(results.slice(-1)));
  }
  if (results.length) console.log(`\n${uploads} uploads per scenario\n\n${formatTable(results)}`);

  const levels = [1, 2, 4];
  const rates = new Map<number, number[]>(levels.map((level) => [level, []]));
  for (let round = 0; round < rounds; round++) {
    for (const level of levels) {
      await cluster.stopFunction('jetstream-bridge');
      const ids = (await uploadAll(cluster, uploads)).map((u) => u.assetId);
      // verified (by notification or sweep): the batch's events wait in the stream
      while ([...(await cluster.states(ids)).values()].filter((state) => state === 'uploaded').length < ids.length) await sleep(500);
      await cluster.startFunction('jetstream-bridge', { DELIVERY_CONCURRENCY: String(level) });
      let first: number | undefined;
      let last = 0;
      for (;;) {
        const ready = [...(await cluster.states(ids)).values()].filter((state) => state === 'ready').length;
        if (ready > 0) first ??= Date.now();
        if (ready === ids.length) {
          last = Date.now();
          break;
        }
        await sleep(200);
      }
      const perMinute = ((ids.length - 1) / Math.max((last - first!) / 1000, 0.2)) * 60;
      rates.get(level)!.push(perMinute);
      log(`DELIVERY_CONCURRENCY=${level}: ${perMinute.toFixed(0)} ready per minute`);
    }
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const base = median(rates.get(1)!);
  console.log(`\n${uploads} files per run, ${rounds} runs per level, interleaved\n`);
  console.log('| DELIVERY_CONCURRENCY | ready per minute (median) | vs 1 |\n|---|---|---|');
  for (const level of levels) console.log(`| ${level} | ${median(rates.get(level)!).toFixed(0)} | ${(median(rates.get(level)!) / base).toFixed(2)}× |`);
} finally {
  await cluster.stop();
}
