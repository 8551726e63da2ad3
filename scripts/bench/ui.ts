// The workspace at scale, in Chromium: `npm run bench:ui`. Prints numbers, never fails on them.
// BENCH_UI_ASSETS assets (10,000 by default; ready images with a real thumbnail each, listed and indexed) are seeded
// once into a data folder kept in the temp folder (keyed by the count, so a rerun skips it). Then, interleaved
// round by round:
//   - navigation → first grid: loading the workspace until every thumbnail in view has decoded, against the
//     baseline of the two API calls that page makes (GET /assets and the facet search), timed from Node;
//   - keystroke → results: one more letter in the search box until the grid shows the new results, against
//     the baseline of the GET /search the grid waits for (the page of hits; the facets follow), from Node.
// Rounds: BENCH_UI_ROUNDS (20). Chromium: CHROMIUM_PATH (/usr/bin/chromium). Each navigation opens a new tab with the
// sign-in link (the token in the fragment); the seeding goes in bulk through the repositories (createAssetsInBulk),
// a thousand rows a transaction, with a real JPEG thumbnail in storage for each.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, launchChromium } from '../../test/support/chromium.ts';
import sharp from 'sharp';
import { toSearchDocument } from '../../functions/index/index.ts';
import { loadConfig } from '../../shared/config.ts';
import { createPlatform } from '../../shared/platform.ts';
import { seedAssetsInBulk } from '../../test/support/seed-assets.ts';
import { buildWeb } from '../build-web.ts';
import { startHost } from '../host.ts';
import { envNumber, interleave, machineLine, percentile, table } from './lib.ts';

const ASSETS = envNumber('BENCH_UI_ASSETS', 10_000);
const ROUNDS = envNumber('BENCH_UI_ROUNDS', 20);
const WORDS = ['harbour', 'election', 'storm', 'festival', 'market', 'parliament', 'river', 'stadium', 'concert', 'museum', 'protest', 'beach'];
/** Bump when the seeding changes, so a kept data folder of an older catalogue is not reused. */
const CATALOGUE_VERSION = 2;

async function seed(dataDir: string): Promise<void> {
  const config = loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0' });
  const platform = await createPlatform({ name: 'bench-ui-seed', config });
  await platform.store.ensureBuckets();
  const started = performance.now();
  // real JPEG thumbnails (a few colours, each stored under every asset's own key) so the grid decodes real images
  const colours = await Promise.all(Array.from({ length: 24 }, (_, c) => {
    const hue = (c * 37) % 255;
    return sharp({ create: { width: 300, height: 200, channels: 3, background: { r: hue, g: 255 - hue, b: (hue * 3) % 255 } } }).jpeg({ quality: 70 }).toBuffer();
  }));
  const BATCH = 1000;
  for (let start = 0; start < ASSETS; start += BATCH) {
    const seeds = Array.from({ length: Math.min(BATCH, ASSETS - start) }, (_, k) => {
      const i = start + k;
      const word = WORDS[i % WORDS.length]!;
      return { state: 'ready' as const, title: `${word} ${i}`, tags: [word, i % 2 ? 'photo' : 'archive'], thumbnailBytes: colours[i % colours.length]! };
    });
    const assets = await seedAssetsInBulk(platform, seeds);
    await platform.search.upsertMany(assets.map((asset) => toSearchDocument(asset, {}, `${asset.project_id}/${asset.id}/thumbnail.jpg`)));
    console.log(`  seeded ${start + seeds.length} / ${ASSETS} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  await platform.close();
  writeFileSync(join(dataDir, 'seeded'), new Date().toISOString());
}

const dataDir = join(tmpdir(), `mediateca-bench-ui-v${CATALOGUE_VERSION}-${ASSETS}`);
if (!existsSync(join(dataDir, 'seeded'))) {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  console.log(`seeding ${ASSETS} assets into ${dataDir} (once)`);
  await seed(dataDir);
}
await buildWeb({ quiet: true });
const host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_IP_PER_MINUTE: '0' }), 0);
const token = await host.platform.signer!.mint('bench-ui', { newsroom: 'admin' });
const headers = { authorization: `Bearer ${token}` };
const browser = await launchChromium();
const openPage = async () => {
  const opened = await browser.newPage();
  await opened.setViewport({ width: 1280, height: 800 });
  return opened;
};
let page = await openPage();
await page.goto(`${host.url}/#token=${token}`);
await page.waitForSelector('a.card img');

/** Resolves when every thumbnail in view has decoded. */
const thumbnailsShown = () => page.waitForFunction(() => {
  const images = [...document.querySelectorAll<HTMLImageElement>('a.card img')].filter((img) => img.getBoundingClientRect().top < window.innerHeight);
  return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
}, { polling: 'raf', timeout: 30_000 });

let round = 0;
const query = () => WORDS[round % WORDS.length]!;
try {
  console.log(`bench:ui · ${ASSETS} assets · ${ROUNDS} rounds · ${machineLine()}`);
  const samples = await interleave({
    'navigation → first grid (Chromium)': async () => {
      // a new tab, as when the link npm start prints is opened (the previous tab is closed after, outside the count of its requests)
      const previous = page;
      page = await openPage();
      await page.goto(`${host.url}/#token=${token}`);
      await thumbnailsShown();
      void previous.close();
    },
    'baseline: its API calls (Node)': async () => {
      await Promise.all([
        fetch(`${host.url}/assets?limit=60`, { headers }).then((r) => r.arrayBuffer()),
        fetch(`${host.url}/search?facets=mediaType,tags,labels,state&limit=1`, { headers }).then((r) => r.arrayBuffer()),
      ]);
    },
    'keystroke → results (Chromium)': async () => {
      // the box holds the word but its last letter; that letter is typed and timed until the word's results show
      const expected = query();
      await page.keyboard.type(expected.at(-1)!);
      await page.waitForFunction((word) => {
        const titles = [...document.querySelectorAll('a.card .title')].map((t) => t.textContent ?? '');
        return document.querySelector('.summary')?.getAttribute('data-query') === word && titles.length > 0 && titles.every((t) => t.startsWith(word));
      }, { polling: 'raf', timeout: 30_000 }, expected);
    },
    'baseline: its GET /search (Node)': async () => {
      // the request the grid waits for (the facets follow in a second one)
      await fetch(`${host.url}/search?q=${query()}&mode=text&facets=&limit=60`, { headers }).then((r) => r.arrayBuffer());
    },
  }, {
    rounds: ROUNDS,
    between: async (name) => {
      if (!name.startsWith('keystroke')) return;
      round += 1;
      await page.click('#q', { count: 3 });
      await page.keyboard.press('Backspace');
      await page.keyboard.type(query().slice(0, -1));
      await page.waitForFunction((prefix) => document.querySelector('.summary')?.getAttribute('data-query') === prefix, { polling: 'raf', timeout: 30_000 }, query().slice(0, -1));
    },
  });
  const [navigation, navigationBaseline, keystroke, keystrokeBaseline] = Object.values(samples) as number[][];
  table([
    ['ms', 'p50', 'p95'],
    ...Object.entries(samples).map(([name, values]) => [name, percentile(values, 50), percentile(values, 95)]),
    ['navigation / its API calls', percentile(navigation!, 50) / percentile(navigationBaseline!, 50), percentile(navigation!, 95) / percentile(navigationBaseline!, 95)],
    ['keystroke / its GET /search', percentile(keystroke!, 50) / percentile(keystrokeBaseline!, 50), percentile(keystroke!, 95) / percentile(keystrokeBaseline!, 95)],
  ]);
  console.log('goals (issue #12): first grid < 1000 ms, keystroke → results p95 < 200 ms');
} finally {
  await browser.close();
  await host.stop();
}
