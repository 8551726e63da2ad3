// `npm run bench:events [-- <events per asset> <writers> <commands per writer>]` (1000 8 25 by default), on the
// embedded database (PGlite in memory):
//   - aggregate load time at N events per asset, from the latest snapshot (SNAPSHOT_EVERY, 100) vs a full replay
//     from version 1, interleaved; ratio full / snapshot;
//   - command throughput: W writers editing one asset at once, each stale command decided again on the fresh asset
//     and retried, vs W writers on W assets (no conflicts); events appended per second, retries, and the ratio.
import { factsOf, findAsset, ConcurrentModification } from '../../shared/db/assets.ts';
import { loadAsset } from '../../shared/db/asset-log.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { editMetadata } from '../../shared/domain/asset-commands.ts';
import { recordDecision } from '../../shared/events/asset-decisions.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { interleave, machineLine, median, table, timeMs } from './lib.ts';

const [eventsPerAsset = 1000, writers = 8, commandsPerWriter = 25] = process.argv.slice(2).map(Number);
const platform = await createTestPlatform({ SNAPSHOT_EVERY: '100' });
console.log(machineLine());
console.log(`events per asset ${eventsPerAsset}, writers ${writers}, commands per writer ${commandsPerWriter}, SNAPSHOT_EVERY 100\n`);

/** One edit, decided on the asset as last read; a stale decision is decided again on the fresh asset. */
async function edit(assetId: string, title: string): Promise<number> {
  let retries = 0;
  for (;;) {
    const asset = (await findAsset(platform.db, assetId))!;
    try {
      await recordDecision(platform.db, asset, editMetadata(factsOf(asset), { title }), { actor: 'bench' });
      return retries;
    } catch (error) {
      if (!(error instanceof ConcurrentModification)) throw error;
      retries += 1;
    }
  }
}

try {
  let long: Asset = await seedAsset(platform);
  for (let i = long.version; i < eventsPerAsset; i++) long = await recordDecision(platform.db, long, editMetadata(factsOf(long), { title: `take ${i}` }), { actor: 'bench' });
  const samples = await interleave({
    snapshot: () => loadAsset(platform.db, long.id),
    full: () => loadAsset(platform.db, long.id, { withoutSnapshots: true }),
  }, { rounds: 15, warmUp: 2 });
  table([
    ['aggregate load', 'median ms', 'ratio to snapshot'],
    ['snapshot + tail', median(samples.snapshot), 1],
    ['full replay', median(samples.full), median(samples.full) / median(samples.snapshot)],
  ]);

  const shared = await seedAsset(platform);
  const separate = await Promise.all(Array.from({ length: writers }, () => seedAsset(platform)));
  const run = async (assetOf: (writer: number) => string) => {
    let retries = 0;
    const ms = await timeMs(() => Promise.all(Array.from({ length: writers }, async (_, writer) => {
      for (let i = 0; i < commandsPerWriter; i++) retries += await edit(assetOf(writer), `w${writer} c${i}`);
    })));
    return { perSecond: (writers * commandsPerWriter) / (ms / 1000), retries };
  };
  const rows: { contended: number[]; separate: number[]; retries: number[] } = { contended: [], separate: [], retries: [] };
  for (let round = 0; round < 3; round++) {
    const alone = await run((writer) => separate[writer]!.id);
    const together = await run(() => shared.id);
    rows.separate.push(alone.perSecond);
    rows.contended.push(together.perSecond);
    rows.retries.push(together.retries);
  }
  table([
    ['command throughput', 'events/s (median)', 'ratio to separate assets', 'retries per round (median)'],
    ['W writers, W assets', median(rows.separate), 1, 0],
    ['W writers, one asset', median(rows.contended), median(rows.contended) / median(rows.separate), median(rows.retries)],
  ]);
} finally {
  await platform.dispose();
}
