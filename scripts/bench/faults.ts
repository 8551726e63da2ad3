// bench:faults — the fault suite at full size: FAULT_UPLOADS (200) unique JPEGs per scenario through the pipeline
// as the cluster runs it (test/faults/cluster.ts), printing uploads / ready / lost / duplicated / stuck / recovery
// per scenario, then the baseline batch at delivery concurrency 1, 2 and 4, interleaved (1, 2, 4, 1, 2, 4), as
// throughput ratios against concurrency 1 measured in the same run.
// Needs Ceph RGW (scripts/services/ceph-rgw.sh), PostgreSQL 15's binaries and nats-server; starts its own
// PostgreSQL and NATS. FAULT_SCENARIOS=baseline,… picks scenarios; FAULT_ROUNDS (1) repeats the concurrency runs.
import { Cluster } from '../../test/faults/cluster.ts';
import { type BatchResult, SCENARIOS, formatTable, runScenario } from '../../test/faults/scenarios.ts';

const uploads = Number(process.env.FAULT_UPLOADS ?? 200);
const rounds = Number(process.env.FAULT_ROUNDS ?? 1);
const picked = process.env.FAULT_SCENARIOS?.split(',').map((name) => name.trim());
const log = (line: string) => console.error(line);

const results: BatchResult[] = [];
const cluster = new Cluster({ log: process.env.FAULT_LOG ? log : undefined });
await cluster.start();
try {
  for (const scenario of SCENARIOS.filter((s) => !picked || picked.some((name) => s.name.startsWith(name)))) {
    results.push(await runScenario(cluster, scenario, { uploads, log }));
    log(formatTable(results.slice(-1)));
  }
} finally {
  await cluster.stop();
}
console.log(`\n${uploads} uploads per scenario\n`);
console.log(formatTable(results));

// Throughput of the baseline batch against the bridge's delivery concurrency: one cluster per setting, interleaved.
const levels = [1, 2, 4];
const throughput = new Map<number, number[]>(levels.map((level) => [level, []]));
for (let round = 0; round < rounds; round++) {
  for (const level of levels) {
    const run = new Cluster({ deliveryConcurrency: level, log: process.env.FAULT_LOG ? log : undefined });
    await run.start();
    try {
      const result = await runScenario(run, SCENARIOS[0]!, { uploads, log });
      throughput.get(level)!.push((result.ready / result.totalSeconds) * 60);
    } finally {
      await run.stop();
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = median(throughput.get(1)!);
console.log('\n| DELIVERY_CONCURRENCY | ready per minute (median) | vs 1 |\n|---|---|---|');
for (const level of levels) console.log(`| ${level} | ${median(throughput.get(level)!).toFixed(0)} | ${(median(throughput.get(level)!) / base).toFixed(2)}× |`);
