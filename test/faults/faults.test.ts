// The fault suite: the pipeline as the cluster runs it (test/faults/cluster.ts) under every fault in
// test/faults/scenarios.ts. After each fault every file whose bytes reached the store must be ready exactly once:
// 0 lost, 0 duplicated, 0 stuck, and no process may crash on its own (kills are the scenario's or the liveness
// probe's). Recovery is bounded by the wait itself: a batch in which no file moves for 3 minutes ends, and its
// files count as stuck. FAULT_UPLOADS sets the batch (20 by default, to keep CI's time; `npm run bench:faults`
// runs 200 per scenario).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requireServer, S3 } from '../support/servers.ts';
import { Cluster } from './cluster.ts';
import { SCENARIOS, runScenario } from './scenarios.ts';

const UPLOADS = Number(process.env.FAULT_UPLOADS ?? 20);
const available = (await requireServer('Ceph RGW', S3.endpoint)) && (await requireServer('PostgreSQL 15 binaries and nats-server', async () => {
  const { access } = await import('node:fs/promises');
  const { POSTGRES_BIN } = await import('../support/private-servers.ts');
  await access(`${POSTGRES_BIN}/initdb`);
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.env.NATS_SERVER ?? 'nats-server', ['--version']);
}));

describe('zero lost uploads under faults', { skip: !available && 'servers missing', timeout: 30 * 60_000 }, () => {
  const cluster = new Cluster({ log: process.env.FAULT_LOG ? (line) => console.error(line) : undefined });

  before(async () => { await cluster.start(); });
  after(async () => { await cluster.stop(); });

  for (const scenario of SCENARIOS) {
    test(scenario.name, async () => {
      const result = await runScenario(cluster, scenario, { uploads: UPLOADS, log: (line) => console.error(line) });
      console.error(JSON.stringify(result));
      assert.equal(result.uploads, UPLOADS, 'every client got its file into the store');
      assert.deepEqual(
        { ready: result.ready, lost: result.lost, duplicated: result.duplicated, stuck: result.stuck, crashes: result.crashes },
        { ready: UPLOADS, lost: 0, duplicated: 0, stuck: 0, crashes: 0 },
      );
    });
  }
});
