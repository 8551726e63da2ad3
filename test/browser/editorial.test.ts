// The editorial workspace in a real browser (Debian's Chromium through puppeteer-core) against the embedded platform:
// the metadata form generated from the project's schema (one invalid value shows its error beside its field, then
// it saves), collections (create, add the library's selection, open as a filtered library, rename, share and revoke,
// remove), the trash
// (restore, purge after a confirmation), people (a face crop, naming, their assets, merging two), and an audio asset's waveform
// and transcript (the searched word highlighted, a timestamp seeks the player), then the pages at a phone's width.
// A screenshot of each step goes to test-artifacts/editorial/ (CI keeps it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import { buildWeb } from '../../scripts/build-web.ts';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { requireServer } from '../support/servers.ts';
import { humanSample } from '../support/vision-fixtures.ts';

const run = promisify(execFile);
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'editorial');
const available = await requireServer(`Chromium (${CHROMIUM}), pocketsphinx and espeak-ng (Debian chromium, pocketsphinx, pocketsphinx-en-us, espeak-ng)`, async () => {
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is not installed');
  await run('sh', ['-c', 'command -v pocketsphinx_continuous && command -v espeak-ng']);
});

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-editorial-'));
const filesDir = mkdtempSync(join(tmpdir(), 'mediateca-editorial-files-'));
let host: Host;
let browser: Browser;
let page: Page;
let api: Client;
const ids: Record<'front' | 'back' | 'portrait' | 'face' | 'speech', string> = { front: '', back: '', portrait: '', face: '', speech: '' };
let step = 0;

async function shot(name: string): Promise<void> {
  step += 1;
  await page.screenshot({ path: join(ARTIFACTS, `${String(step).padStart(2, '0')}-${name}.png`) as `${string}.png`, fullPage: true });
}

/** Into a text box: what was there goes, the text is typed as a person would. */
async function retype(selector: string, text: string): Promise<void> {
  await page.$eval(selector, (input) => { (input as HTMLInputElement).value = ''; input.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.type(selector, text);
}

/** Waits for the selector; if it never comes, fails with what the page shows instead. */
async function waitOrExplain(selector: string, timeout: number): Promise<void> {
  try {
    await page.waitForSelector(selector, { timeout });
  } catch (error) {
    await shot('failed');
    const shown = await page.evaluate(() => `${location.hash}: ${document.querySelector('main')?.textContent?.slice(0, 500) ?? document.body.textContent?.slice(0, 500)}`);
    throw new Error(`${(error as Error).message}; the page shows ${shown}`);
  }
}

const textOf = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '').catch(() => undefined);
const sidewaysOverflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The project's schema: a field of every type the form draws. */
const SCHEMA = [
  { name: 'section', type: 'enum', label: 'Section', options: ['news', 'sport', 'culture'], required: true, help: 'where it runs' },
  { name: 'pages', type: 'number', label: 'Pages', min: 1, max: 100 },
  { name: 'published', type: 'date', label: 'Published on' },
  { name: 'topics', type: 'multi-enum', label: 'Topics', options: ['politics', 'economy', 'weather'] },
  { name: 'embargoed', type: 'boolean', label: 'Embargoed' },
  { name: 'source', type: 'url', label: 'Source' },
  { name: 'desk', type: 'keyword', label: 'Desk', default: 'national' },
  { name: 'subject', type: 'person', label: 'Subject' },
];

before(async () => {
  if (!available) return;
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildWeb({ quiet: true });
  host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', LOG_LEVEL: 'warn', ENRICH_PARTS: 'faces,speech', SPEECH_ENGINE: 'pocketsphinx', ENRICH_MAX_KEYFRAMES: '1' }), 0);
  const token = await host.platform.signer!.mint('editor-in-browser', { newsroom: 'admin' });
  api = new Client(host.url, token);
  const schema = await api.request('PUT', '/projects/newsroom/schema', { expectedVersion: 0, fields: SCHEMA });
  assert.equal(schema.status, 200, JSON.stringify(schema.body));
  // espeak-ng's Klatt voice: pocketsphinx recognises little of its default voice; a pause makes a second segment
  const speech = join(filesDir, 'speech.wav');
  await run('espeak-ng', ['-v', 'en-us+klatt', '-g', '40', '-w', speech, 'The lighthouse keeper saw a red boat near the harbor. The children played football in the park.']);
  ids.front = (await api.upload(await makeJpegWithExif({ width: 640, height: 480, seed: 11 }), 'front-page.jpg', 'image/jpeg')).assetId;
  ids.back = (await api.upload(await makeJpegWithExif({ width: 640, height: 480, seed: 12 }), 'back-page.jpg', 'image/jpeg')).assetId;
  ids.portrait = (await api.upload(readFileSync(humanSample('screenshot-faceid.jpg')), 'portrait.jpg', 'image/jpeg')).assetId;
  ids.face = (await api.upload(readFileSync(humanSample('screenshot-facedetect.jpg')), 'face.jpg', 'image/jpeg')).assetId;
  ids.speech = (await api.upload(readFileSync(speech), 'harbor-report.wav', 'audio/wav')).assetId;
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (error) => console.error('page error:', error));
  // signed in through the link `npm start` prints (the token in the fragment)
  await page.goto(`${host.url}/#token=${encodeURIComponent(token)}`);
  await page.waitForSelector('nav.sections');
});

after(async () => {
  await browser?.close();
  await host?.stop();
  for (const dir of [dataDir, filesDir]) rmSync(dir, { recursive: true, force: true });
});

test('the editorial workspace: schema form, collections, trash, people, waveform and transcript', { skip: !available, timeout: 900_000 }, async (t) => {
  await api.waitForAsset(ids.front, (a) => a.state === 'ready', 180_000);
  await api.waitForAsset(ids.back, (a) => a.state === 'ready', 180_000);

  await t.test('the metadata form: one invalid value shows its error beside its field, then the edit saves', async () => {
    await page.goto(`${host.url}/#/asset/${ids.front}`);
    await page.waitForSelector('form.edit[data-schema-version="1"] #edit-field-pages', { timeout: 60_000 });
    // every type has its control, labelled; the required field is marked; the default is offered
    for (const field of SCHEMA) {
      const labelled = await page.evaluate((name) => {
        const control = document.querySelector(`[data-key="field:${name}"]`);
        const group = control?.closest('fieldset');
        return group ? Boolean(group.querySelector('legend')?.textContent) : Boolean(control && document.querySelector(`label[for="${control.id}"]`));
      }, field.name);
      assert.ok(labelled, `${field.name} has a labelled control`);
    }
    assert.equal(await page.$eval('#edit-field-section', (e) => e.getAttribute('aria-required')), 'true');
    assert.equal(await page.$eval('#edit-field-desk', (e) => (e as HTMLInputElement).value), 'national', 'the default is filled in');
    await shot('schema-form');

    await page.select('#edit-field-section', 'sport');
    await retype('#edit-field-pages', '500');
    await page.click('input[type=checkbox][value=politics]');
    await page.select('#edit-field-embargoed', 'yes');
    await retype('#edit-field-source', 'https://example.org/report');
    await page.click('form.edit button[type=submit]');
    await page.waitForSelector('[data-testid=edit-message]', { timeout: 30_000 });
    assert.equal(await textOf('[data-testid=edit-message]'), 'Not saved: one field needs a change.');
    await page.waitForSelector('#edit-field-pages-error');
    assert.match((await textOf('#edit-field-pages-error'))!, /100/, 'the API says the bound');
    assert.equal(await page.$eval('#edit-field-pages', (e) => e.getAttribute('aria-invalid')), 'true');
    assert.match((await page.$eval('#edit-field-pages', (e) => e.getAttribute('aria-describedby')))!, /edit-field-pages-error/);
    await page.waitForFunction(() => document.activeElement?.id === 'edit-field-pages', { timeout: 10_000 });
    assert.equal(await page.$$eval('.field-error', (errors) => errors.length), 1, 'only the bad field is marked');
    assert.equal(await page.$eval('[data-testid=edit-message]', (e) => e.getAttribute('role')), 'alert');
    assert.deepEqual((await api.request('GET', `/assets/${ids.front}`)).body.fields.section ?? null, null, 'nothing was saved');
    await shot('schema-form-invalid-pages');

    await retype('#edit-field-pages', '12');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=edit-message]')?.textContent === 'Saved.' && !document.querySelector('.field-error'), { timeout: 30_000 });
    const saved = (await api.request('GET', `/assets/${ids.front}`)).body.fields;
    assert.deepEqual(
      { section: saved.section, pages: saved.pages, topics: saved.topics, embargoed: saved.embargoed, source: saved.source, desk: saved.desk },
      { section: 'sport', pages: 12, topics: ['politics'], embargoed: true, source: 'https://example.org/report', desk: 'national' },
    );
    await shot('schema-form-saved');
  });

  await t.test('collections: create one, add the selection from the library, rename, share and revoke, remove an asset', async () => {
    await page.goto(`${host.url}/#/collections`);
    await page.waitForSelector('#new-collection');
    await page.type('#new-collection', 'Election night');
    await page.click('form.inline-form button[type=submit]');
    await page.waitForSelector('ul.collections li[data-collection-id]', { timeout: 30_000 });
    const collectionId = (await page.$eval('ul.collections li[data-collection-id]', (li) => li.getAttribute('data-collection-id')))!;
    await shot('collection-created');

    await page.evaluate(() => sessionStorage.removeItem('mediateca.q'));
    await page.goto(`${host.url}/#/`);
    for (const id of [ids.front, ids.back]) {
      await page.waitForSelector(`input.pick[data-asset-id="${id}"]`, { timeout: 60_000 });
      await page.click(`input.pick[data-asset-id="${id}"]`);
    }
    await page.waitForSelector('#batch-collection');
    await page.click('#batch-collection ~ button[type=submit]');
    await page.waitForFunction(() => /Added to “Election night”: 2 of 2/.test(document.querySelector('[data-testid=batch-result]')?.textContent ?? ''), { timeout: 30_000 });
    await shot('library-added-to-collection');

    await page.click('nav.sections a[href="#/collections"]');
    await page.waitForSelector(`li[data-collection-id="${collectionId}"] a`);
    await page.click(`li[data-collection-id="${collectionId}"] a`);
    await page.waitForFunction((a, b) => [a, b].every((id) => document.querySelector(`li.tile[data-asset-id="${id}"]`)), { timeout: 30_000 }, ids.front, ids.back);
    // opened as a filtered library: only its assets (once the search index knows they are in it)
    await page.click('[data-testid=open-in-library]');
    await page.waitForSelector('[data-testid=collection-scope]');
    await page.waitForFunction((a, b) => {
      const shown = [...document.querySelectorAll('a.card')].map((card) => card.getAttribute('data-asset-id')).sort();
      return shown.length === 2 && shown.join() === [a, b].sort().join();
    }, { timeout: 60_000 }, ids.front, ids.back);
    await shot('collection-as-library');
    await page.click('[data-testid=collection-scope] a');
    await page.waitForSelector('#collection-name');
    await retype('#collection-name', 'Election night 2026');
    await page.click('#collection-name ~ button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#page-title')?.textContent === 'Election night 2026', { timeout: 30_000 });

    await page.click('section[aria-labelledby=shares-h] > button');
    await page.waitForSelector('[data-testid=share-url]', { timeout: 30_000 });
    const shareUrl = (await page.$eval('[data-testid=share-url]', (a) => a.getAttribute('href')))!;
    assert.equal((await fetch(shareUrl)).status, 200, 'the link opens');
    await shot('collection-shared');
    await page.waitForSelector('ul.shares li[data-revoked=no] button');
    await page.click('ul.shares li[data-revoked=no] button');
    await page.waitForSelector('ul.shares li[data-revoked=yes]', { timeout: 30_000 });
    assert.equal((await fetch(shareUrl)).status, 410, 'a revoked link is gone');

    await page.click(`li.tile[data-asset-id="${ids.back}"] button`);
    await page.waitForFunction((gone) => !document.querySelector(`li.tile[data-asset-id="${gone}"]`) && document.querySelectorAll('li.tile').length === 1, { timeout: 30_000 }, ids.back);
    assert.deepEqual((await api.request('GET', `/collections/${collectionId}/assets`)).body.assets.map((a: { id: string }) => a.id), [ids.front]);
    await shot('collection-renamed-revoked-removed');
  });

  await t.test('the trash: restore a deleted asset, purge one after confirming', async () => {
    assert.equal((await api.request('DELETE', `/assets/${ids.back}`)).status, 204);
    await page.click('nav.sections a[href="#/trash"]');
    await page.waitForSelector(`tr[data-asset-id="${ids.back}"]`, { timeout: 30_000 });
    await shot('trash');
    await page.click(`tr[data-asset-id="${ids.back}"] button:first-of-type`);
    await page.waitForFunction((id) => !document.querySelector(`tr[data-asset-id="${id}"]`), { timeout: 30_000 }, ids.back);
    assert.match((await textOf('[data-testid=page-message]'))!, /restored/);
    assert.equal((await api.request('GET', `/assets/${ids.back}`)).body.deletedAt, null);

    assert.equal((await api.request('DELETE', `/assets/${ids.back}`)).status, 204);
    await page.reload();
    await page.waitForSelector(`tr[data-asset-id="${ids.back}"] button.danger`, { timeout: 30_000 });
    await page.click(`tr[data-asset-id="${ids.back}"] button.danger`);
    await page.waitForSelector('dialog.confirm[open]');
    await shot('purge-confirmation');
    // cancelled first: nothing happens
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog.confirm:not([open])');
    assert.ok(await page.$(`tr[data-asset-id="${ids.back}"]`), 'cancelling keeps the asset');
    await page.click(`tr[data-asset-id="${ids.back}"] button.danger`);
    await page.waitForSelector('dialog.confirm[open] [data-testid=confirm]');
    await page.click('dialog.confirm[open] [data-testid=confirm]');
    // the message comes with the answer, the row leaves when the trash is read again
    await page.waitForFunction((id) => /purged for good/.test(document.querySelector('[data-testid=page-message]')?.textContent ?? '') && !document.querySelector(`tr[data-asset-id="${id}"]`), { timeout: 60_000 }, ids.back);
    assert.ok([404, 410].includes((await api.request('GET', `/assets/${ids.back}`)).status), 'a purged asset is gone');
    await shot('purged');
  });

  await t.test('people: a face crop, named from the people page, their assets', async () => {
    const portrait = await api.waitForAsset(ids.portrait, (a) => a.state === 'failed' || Boolean(a.metadata?.ai?.parts?.faces), 300_000);
    assert.ok(portrait.ai.faces.length > 0, `a face is found: ${JSON.stringify(portrait.metadata?.ai?.parts)}`);
    const personId = portrait.ai.faces[0].personId;
    // the page finds a person's pictures through search: once the index has them
    await api.waitForSearch(`person=${personId}&facets=`, (found) => found.hits?.some((h: { assetId: string }) => h.assetId === ids.portrait), 120_000);
    await page.click('nav.sections a[href="#/people"]');
    await page.waitForSelector(`li.person[data-person-id="${personId}"]`, { timeout: 30_000 });
    await page.waitForSelector(`li.person[data-person-id="${personId}"] [data-testid=face-crop][data-cropped=yes]`, { timeout: 60_000 });
    await page.type(`[id="name-${personId}"]`, 'Grace Hopper');
    await page.click(`li.person[data-person-id="${personId}"] form button[type=submit]`);
    await page.waitForFunction(() => /Named Grace Hopper/.test(document.querySelector('[data-testid=page-message]')?.textContent ?? ''), { timeout: 30_000 });
    assert.equal((await api.request('GET', `/persons/${personId}`)).body.name, 'Grace Hopper');
    await shot('people-named');
    await page.click(`li.person[data-person-id="${personId}"] a.person-name`);
    await page.waitForSelector(`li.tile[data-asset-id="${ids.portrait}"]`, { timeout: 30_000 });
    assert.equal(await textOf('#page-title'), 'Grace Hopper');
    await shot('person-assets');

    // another picture's person is the same one: merged into Grace Hopper after a confirmation
    const other = await api.waitForAsset(ids.face, (a) => a.state === 'failed' || Boolean(a.metadata?.ai?.parts?.faces), 300_000);
    const otherIds: string[] = [...new Set<string>(other.ai.faces.map((f: { personId: string }) => f.personId))].filter((id) => id !== personId);
    assert.ok(otherIds.length > 0, `the second picture has a face of someone else: ${JSON.stringify(other.ai.faces)}`);
    const otherId = otherIds[0]!;
    await page.click('nav.sections a[href="#/people"]');
    await page.waitForSelector(`[id="merge-${otherId}"] option[value="${personId}"]`, { timeout: 30_000 });
    await page.select(`[id="merge-${otherId}"]`, personId);
    await page.click(`li.person[data-person-id="${otherId}"] form.merge-person button[type=submit]`);
    await page.waitForSelector(`li.person[data-person-id="${otherId}"] dialog.confirm[open]`);
    await shot('people-merge-confirmation');
    await page.click(`li.person[data-person-id="${otherId}"] dialog.confirm[open] [data-testid=confirm]`);
    await page.waitForFunction((gone) => !document.querySelector(`li.person[data-person-id="${gone}"]`) && /merged into Grace Hopper/.test(document.querySelector('[data-testid=page-message]')?.textContent ?? ''), { timeout: 30_000 }, otherId);
    assert.equal((await api.request('GET', `/persons/${otherId}`)).status, 404);
    const faces = (await api.request('GET', `/assets/${ids.face}`)).body.ai.faces as { personId: string; name: string | null }[];
    assert.ok(faces.some((f) => f.personId === personId && f.name === 'Grace Hopper'), `the face is Grace Hopper's now: ${JSON.stringify(faces)}`);
    await shot('people-merged');
  });

  await t.test('audio: the waveform, the searched word highlighted in the transcript, a timestamp seeks the player', async () => {
    const audio = await api.waitForAsset(ids.speech, (a) => a.state === 'failed' || (a.state === 'ready' && Boolean(a.metadata?.ai?.parts?.speech)), 300_000);
    assert.equal(audio.metadata.ai.parts.speech.status, 'done', audio.metadata.ai.parts.speech.reason);
    const segments: { start: number; text: string }[] = audio.metadata.ai.transcript.segments;
    assert.ok(segments.length > 0);
    // a word the recogniser heard (what pocketsphinx makes of espeak varies): the longest, as an editor would search it
    const word = audio.metadata.ai.transcript.text.split(/\s+/).filter((w: string) => /^[a-z]{4,}$/i.test(w)).sort((a: string, b: string) => b.length - a.length)[0];
    assert.ok(word, `a word to search in: ${audio.metadata.ai.transcript.text}`);
    await api.waitForSearch(`q=${encodeURIComponent(word)}`, (found) => found.hits?.some((h: { assetId: string }) => h.assetId === ids.speech), 60_000);

    await page.goto(`${host.url}/#/`);
    await page.waitForSelector('#q');
    await page.type('#q', word);
    await page.waitForSelector(`a.card[data-asset-id="${ids.speech}"]`, { timeout: 60_000 });
    await page.click(`a.card[data-asset-id="${ids.speech}"]`);
    await page.waitForSelector('[data-testid=waveform] img', { timeout: 30_000 });
    await page.waitForFunction(() => (document.querySelector('[data-testid=waveform] img') as HTMLImageElement | null)?.naturalWidth, { timeout: 30_000 });
    const marked = await page.$$eval('.transcript mark', (marks) => marks.map((m) => m.textContent!.toLowerCase()));
    assert.ok(marked.some((m) => m.startsWith(word.toLowerCase())), `"${word}" is highlighted: ${JSON.stringify(marked)}`);
    await shot('audio-waveform-transcript');

    // every seek the player makes, as the player reports it
    await page.evaluate(() => {
      const player = document.querySelector('audio')!;
      player.muted = true;
      (window as unknown as { seeks: number[] }).seeks = [];
      player.addEventListener('seeked', () => (window as unknown as { seeks: number[] }).seeks.push(player.currentTime));
    });
    await page.waitForFunction(() => Number.isFinite(document.querySelector('audio')!.duration), { timeout: 30_000 });
    const last = segments.length - 1;
    // from the end, so the jump to the segment is a move whatever its start
    await page.evaluate(() => { const player = document.querySelector('audio')!; player.currentTime = player.duration; });
    await page.waitForFunction(() => (window as unknown as { seeks: number[] }).seeks.length === 1, { timeout: 30_000 });
    await page.click(`.transcript li:nth-child(${last + 1}) button.time`);
    await page.waitForFunction(() => (window as unknown as { seeks: number[] }).seeks.length === 2, { timeout: 30_000 });
    const jumped = await page.evaluate(() => (window as unknown as { seeks: number[] }).seeks[1]!);
    assert.ok(Math.abs(jumped - segments[last]!.start) < 0.3, `the player moved to ${jumped} s, the segment starts at ${segments[last]!.start} s`);
    await shot('transcript-jump');

    // the waveform seeks too: its middle is the middle of the audio
    await page.evaluate(() => document.querySelector('audio')!.pause());
    const duration = await page.evaluate(() => document.querySelector('audio')!.duration);
    const wave = (await (await page.$('[data-testid=waveform]'))!.boundingBox())!;
    await page.mouse.click(wave.x + wave.width / 2, wave.y + wave.height / 2);
    await page.waitForFunction(() => (window as unknown as { seeks: number[] }).seeks.length === 3, { timeout: 30_000 });
    const middle = await page.evaluate(() => (window as unknown as { seeks: number[] }).seeks[2]!);
    assert.ok(Math.abs(middle - duration / 2) < duration * 0.05, `the waveform's middle seeks to ${middle} s of ${duration} s`);
  });

  await t.test('at a phone width the new pages fit without sideways scrolling', async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true });
    // (a change to isMobile reloads the page: the app is back before it is sent elsewhere)
    await page.waitForSelector('nav.sections');
    for (const [hash, ready, name] of [['#/people', 'li.person', 'phone-people'], ['#/collections', 'ul.collections li', 'phone-collections'], ['#/trash', 'main.page p.empty', 'phone-trash'], [`#/asset/${ids.front}`, 'form.edit[data-schema-version="1"]', 'phone-schema-form']] as const) {
      await page.goto(`${host.url}/${hash}`);
      await waitOrExplain(ready, 60_000);
      const overflow = await sidewaysOverflow();
      assert.ok(overflow <= 0, `${hash}: no sideways scrolling at 390 px (${overflow} px too wide)`);
      await shot(name);
    }
    await page.setViewport({ width: 1280, height: 900 });
  });
});
