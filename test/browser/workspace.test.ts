// The workspace in a real browser (Debian's Chromium through puppeteer-core; no downloaded browser) against the
// embedded platform: sign in, drop two photos (one large enough for a multipart upload) and a video and watch the progress bars reach 100 %, see them turn
// ready without a reload (server-sent events), find the photo by a facet and by a word of its OCR text, play the
// video (its HLS ladder, through hls.js) and hover its timeline thumbnails, edit a field (and see a refused value's error), download a rendition,
// and the library at a phone's width. A screenshot of each step goes to test-artifacts/workspace/ (CI keeps it).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type HTTPResponse, type Page } from 'puppeteer-core';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import { buildWeb } from '../../scripts/build-web.ts';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { readFileSync } from 'node:fs';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { mediaCorpus } from '../support/media-corpus.ts';
import { requireServer } from '../support/servers.ts';
import { humanSample, renderScene } from '../support/vision-fixtures.ts';

/** above it the platform plans a multipart upload: the large photo goes in parallel 5 MiB parts */
const MULTIPART_THRESHOLD = 5 * 1024 * 1024;
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'workspace');
const available = await requireServer(`Chromium (${CHROMIUM}; Debian package chromium)`, async () => {
  if (!existsSync(CHROMIUM)) throw new Error('not installed');
});

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-workspace-'));
const filesDir = mkdtempSync(join(tmpdir(), 'mediateca-workspace-files-'));
const downloads = mkdtempSync(join(tmpdir(), 'mediateca-workspace-downloads-'));
let host: Host;
let browser: Browser;
let page: Page;
let token: string;
/** a portrait uploaded through the API while the browser works: its labels and face are reviewed in the page */
let portrait: Promise<string>;
let step = 0;

async function shot(name: string): Promise<void> {
  step += 1;
  await page.screenshot({ path: join(ARTIFACTS, `${String(step).padStart(2, '0')}-${name}.png`) as `${string}.png`, fullPage: false });
}

/** The first matching element's text, or undefined. */
const textOf = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '').catch(() => undefined);

before(async () => {
  if (!available) return;
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildWeb({ quiet: true });
  host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', ENRICH_PARTS: 'ocr,objects,faces', ENRICH_MAX_KEYFRAMES: '2', UPLOAD_MULTIPART_THRESHOLD: String(MULTIPART_THRESHOLD), UPLOAD_PART_SIZE: '5M' }), 0);
  token = await host.platform.signer!.mint('editor-in-browser', { newsroom: 'admin' });
  const client = new Client(host.url, token);
  // the project's videos get the HLS ladder too: the asset page plays it through hls.js
  assert.equal((await client.request('PUT', '/projects/newsroom/settings', { hls: true })).status, 200);
  portrait = client.upload(readFileSync(humanSample('screenshot-faceid.jpg')), 'portrait.jpg', 'image/jpeg').then(({ assetId }) => assetId);
  portrait.catch(() => {}); // awaited in the test
  writeFileSync(join(filesDir, 'banner.jpg'), await renderScene('Canción del árbol', 'Breaking news: Elecciones 2026'));
  await copyFile((await mediaCorpus()).lowBitrate, join(filesDir, 'clip.mp4'));
  const large = await makeJpegWithExif({ width: 4400, height: 3300, seed: 5 });
  assert.ok(large.length > MULTIPART_THRESHOLD, `the large photo (${large.length} bytes) must take the multipart path`);
  writeFileSync(join(filesDir, 'large.jpg'), large);
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  page.on('pageerror', (error) => console.error('page error:', error));
});

after(async () => {
  await browser?.close();
  await host?.stop();
  for (const dir of [dataDir, filesDir, downloads]) rmSync(dir, { recursive: true, force: true });
});

test('the workspace: sign in, upload, live updates, search, asset page, edit, download', { skip: !available, timeout: 480_000 }, async () => {
  // sign in with the token
  await page.goto(host.url);
  await page.waitForSelector('#token');
  await shot('sign-in');
  await page.type('#token', token);
  await page.click('form button[type=submit]');
  await page.waitForSelector('[data-testid=dropzone]');
  await page.waitForFunction(() => document.querySelector('.live.on') !== null, { timeout: 10_000 });
  await shot('library-empty');

  // drop both files on the drop zone, as a file manager would
  const picker = await page.evaluateHandle(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.style.display = 'none';
    document.body.append(input);
    return input;
  });
  await (picker as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(join(filesDir, 'banner.jpg'), join(filesDir, 'clip.mp4'), join(filesDir, 'large.jpg'));
  await page.evaluate((input) => {
    const transfer = new DataTransfer();
    for (const file of Array.from((input as HTMLInputElement).files!)) transfer.items.add(file);
    const zone = document.querySelector('[data-testid=dropzone]')!;
    for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, picker);
  await page.waitForSelector('.progress-list');
  await shot('uploading');
  await page.waitForFunction(() => [...document.querySelectorAll('li.upload')].length === 3 && [...document.querySelectorAll('li.upload')].every((li) => li.getAttribute('data-status') === 'done'), { timeout: 60_000 });
  assert.equal(await textOf('[data-testid=total-percent]'), '100 %');
  const perFile = await page.$$eval('li.upload .percent', (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(perFile, ['100 %', '100 %', '100 %']);
  await shot('uploaded-100-percent');

  // both become ready in the grid without a reload: the page only learns it from GET /events
  const navigations: string[] = [];
  page.on('framenavigated', (frame) => navigations.push(frame.url()));
  // (the portrait the API uploads meanwhile is listed too)
  await page.waitForFunction(() => ['banner', 'clip', 'large'].every((title) => [...document.querySelectorAll('a.card[data-state=ready] .title')].some((t) => t.textContent === title)), { timeout: 120_000 });
  assert.deepEqual(navigations, [], 'the page was not reloaded');
  const cards = await page.$$eval('a.card', (links) => links.map((a) => ({ id: a.getAttribute('data-asset-id')!, title: a.querySelector('.title')!.textContent!, thumbnail: a.querySelector('img')?.getAttribute('src') })));
  const photo = cards.find((c) => c.title === 'banner')!;
  const video = cards.find((c) => c.title === 'clip')!;
  assert.ok(photo && video, `both assets listed: ${JSON.stringify(cards)}`);
  assert.ok(photo.thumbnail, 'the photo shows its thumbnail');
  assert.equal((await fetch(photo.thumbnail!)).status, 200);
  await shot('ready-without-reload');

  // a facet: media type image keeps the photo and leaves the video out
  await page.waitForSelector('input[data-facet=mediaType][value=image]', { timeout: 30_000 });
  await page.click('input[data-facet=mediaType][value=image]');
  await page.waitForFunction((keep, drop) => {
    const ids = [...document.querySelectorAll('a.card')].map((a) => a.getAttribute('data-asset-id'));
    return ids.includes(keep) && !ids.includes(drop);
  }, { timeout: 15_000 }, photo.id, video.id);
  await shot('facet-image');
  await page.click('input[data-facet=mediaType][value=image]');

  // a word only the photo's OCR text has (the title is "banner")
  await page.type('#q', 'Elecciones');
  await page.waitForFunction((id) => {
    const ids = [...document.querySelectorAll('a.card')].map((a) => a.getAttribute('data-asset-id'));
    return ids.length === 1 && ids[0] === id;
  }, { timeout: 90_000 }, photo.id);
  await shot('search-ocr-word');

  // the photo's page: its OCR text, edit a field (a refused value first)
  await page.click(`a.card[data-asset-id="${photo.id}"]`);
  await page.waitForSelector('[data-testid=ocr-text]');
  assert.match((await textOf('[data-testid=ocr-text]'))!, /Elecciones/i);
  // the form is complete once the project's schema has arrived (it takes the fields' values then); enrichment writes
  // new versions of the photo while its models run, so the edit starts once the version has stayed the same a while
  await page.waitForSelector('form.edit[data-schema-version]');
  const reader = new Client(host.url, token);
  for (let version = -1, since = Date.now(); Date.now() - since < 3000;) {
    const current = (await reader.request('GET', `/assets/${photo.id}`)).body.version;
    if (current !== version) [version, since] = [current, Date.now()];
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await page.$eval('#edit-title', (input) => { (input as HTMLInputElement).value = ''; });
  await page.type('#edit-title', ' ');
  await page.click('form.edit button[type=submit]');
  await page.waitForSelector('#edit-title-error', { timeout: 30_000 }).catch(async (error) => {
    await shot('edit-refused-missing');
    throw new Error(`${(error as Error).message}; the form shows: ${await textOf('form.edit [role=alert], form.edit .message') ?? '(no message)'}, title "${await page.$eval('#edit-title', (e) => (e as HTMLInputElement).value)}"`);
  });
  assert.equal(await page.$eval('#edit-title', (e) => e.getAttribute('aria-invalid')), 'true');
  await shot('edit-refused');
  await page.$eval('#edit-title', (input) => { (input as HTMLInputElement).value = ''; });
  await page.type('#edit-title', 'Election night banner');
  await page.click('form.edit button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#asset-title')?.textContent === 'Election night banner' && !document.querySelector('#edit-title-error'), { timeout: 10_000 });
  await shot('edited');

  // download a rendition: the browser saves the file the presigned URL serves
  const expected = await page.$eval('a[data-rendition=thumbnail]', (a) => a.getAttribute('download'));
  await page.click('a[data-rendition=thumbnail]');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !readdirSync(downloads).some((f) => f === expected)) await new Promise((r) => setTimeout(r, 100));
  assert.ok(readdirSync(downloads).includes(expected!), `downloaded ${expected}; found ${readdirSync(downloads).join(', ')}`);
  assert.ok(statSync(join(downloads, expected!)).size > 1000);
  await shot('downloaded');

  // the video: its HLS ladder plays through hls.js (playlists from the signed route, segments from the store), and
  // hovering the timeline shows the sprite thumbnail of that moment
  const hlsRequests: string[] = [];
  const onResponse = (response: HTTPResponse) => { if (/\/hls\//.test(response.url())) hlsRequests.push(`${response.status()} ${new URL(response.url()).pathname}`); };
  page.on('response', onResponse);
  await page.goto(`${host.url}/#/asset/${video.id}`);
  await page.waitForSelector('figure.video video[data-player=hls]', { timeout: 20_000 });
  await page.waitForSelector('.timeline');
  await page.evaluate(() => { const v = document.querySelector('video')!; v.muted = true; return v.play(); });
  await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.5, { timeout: 20_000 });
  page.off('response', onResponse);
  assert.ok(hlsRequests.some((r) => /^200 \/assets\/[^/]+\/hls\/master\.m3u8$/.test(r)), `the master playlist: ${hlsRequests.join(', ')}`);
  assert.ok(hlsRequests.some((r) => /^200 \/assets\/[^/]+\/hls\/[^/]+\/index\.m3u8$/.test(r)), `a variant playlist: ${hlsRequests.join(', ')}`);
  assert.ok(hlsRequests.some((r) => /^(200|206) .*\/hls\/[^/]+\/segment-\d+\.ts$/.test(r)), `segments from the store: ${hlsRequests.join(', ')}`);
  assert.equal(await page.$eval('video', (v) => (v as HTMLVideoElement).src.startsWith('blob:')), true, 'Media Source Extensions, not the MP4');
  const bar = (await (await page.$('.timeline'))!.boundingBox())!;
  await page.mouse.move(bar.x + bar.width * 0.6, bar.y + bar.height / 2);
  await page.waitForSelector('[data-testid=sprite-preview]', { timeout: 10_000 });
  const sprite = await page.$eval('[data-testid=sprite-preview]', (e) => getComputedStyle(e).backgroundImage);
  assert.match(sprite, /url\(/);
  await shot('video-playing-timeline-hover');

  // a model's label rejected, a face's person named, on the portrait's page
  const portraitId = await portrait;
  const api = new Client(host.url, token);
  await api.waitForAsset(portraitId, (a) => a.state === 'failed' || Boolean(a.metadata?.ai?.parts), 240_000);
  await page.goto(`${host.url}/#/asset/${portraitId}`);
  await page.waitForSelector('ul.labels li[data-label]', { timeout: 20_000 });
  const label = (await page.$eval('ul.labels li[data-label]', (li) => li.getAttribute('data-label')))!;
  await page.click(`ul.labels li[data-label="${label}"] button:nth-of-type(2)`);
  await page.waitForSelector(`ul.labels li.rejected[data-label="${label}"]`, { timeout: 10_000 });
  await page.waitForSelector('#person-0');
  await page.type('#person-0', 'Ada Lovelace');
  await page.click('ul.faces button[type=submit]');
  const deadlineNamed = Date.now() + 10_000;
  let persons: { name: string | null }[] = [];
  while (Date.now() < deadlineNamed && !persons.some((p) => p.name === 'Ada Lovelace')) persons = (await api.request('GET', '/persons')).body.persons;
  assert.ok(persons.some((p) => p.name === 'Ada Lovelace'), `the person is named: ${JSON.stringify(persons)}`);
  const reviewed = (await api.request('GET', `/assets/${portraitId}`)).body;
  assert.equal(reviewed.ai.labels.find((l: { label: string }) => l.label === label).status, 'rejected');
  await shot('label-rejected-person-named');

  // a phone's width: the library and the asset page still fit
  await page.setViewport({ width: 390, height: 844, isMobile: true });
  // the whole library, not the search the page remembers from the steps above
  await page.evaluate(() => sessionStorage.removeItem('mediateca.q'));
  await page.goto(`${host.url}/#/`);
  await page.waitForSelector('a.card', { timeout: 60_000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px too wide)`);
  await shot('phone-library');
  await page.goto(`${host.url}/#/asset/${photo.id}`);
  await page.waitForSelector('#asset-title');
  await shot('phone-asset');
});
