// The workspace's upload in a real browser (Debian's Chromium through puppeteer-core) against a platform whose
// storage is an S3 server (Ceph RGW in servers.test.ts): a photo and a file above the multipart threshold are
// dropped on the page; the browser itself PUTs the single object and the parts to the presigned RGW URLs (bucket
// CORS put by the platform), the progress reaches 100 %, and both turn ready in the grid without a reload.
// Screenshots go to test-artifacts/servers-upload/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { buildWeb } from '../../scripts/build-web.ts';
import type { Host } from '../../scripts/host.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import type { E2eEnvironment } from './pipeline-suite.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `storageOrigin`: where presigned URLs point (the S3 endpoint); `threshold`: the host's UPLOAD_MULTIPART_THRESHOLD. */
export function browserUploadSuite(mode: string, start: () => Promise<E2eEnvironment | undefined>, options: { storageOrigin: string; threshold: number; artifacts: string }) {
  describe(`the workspace uploads from the browser straight to storage (${mode})`, () => {
    let host: Host;
    let browser: Browser;
    let page: Page;
    let started = false;
    let step = 0;
    const files = mkdtempSync(join(tmpdir(), 'mediateca-browser-upload-'));
    const artifacts = join(process.cwd(), 'test-artifacts', options.artifacts);
    const shot = async (name: string) => {
      step += 1;
      await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`) as `${string}.png` });
    };

    before(async () => {
      if (!existsSync(CHROMIUM)) return;
      const env = await start();
      if (!env) return;
      started = true;
      host = env.host;
      rmSync(artifacts, { recursive: true, force: true });
      mkdirSync(artifacts, { recursive: true });
      await buildWeb({ quiet: true });
      writeFileSync(join(files, 'harbour.jpg'), await makeJpegWithExif({ width: 640, height: 480, seed: 61 }));
      // a JPEG with padding after its end marker (decoders stop there): above the threshold, so a multipart upload
      writeFileSync(join(files, 'panorama.jpg'), Buffer.concat([await makeJpegWithExif({ width: 320, height: 240, seed: 62 }), randomBytes(options.threshold + 1024 * 1024)]));
      browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'] });
      page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      page.on('pageerror', (error) => console.error('page error:', error));
    });
    after(async () => {
      await browser?.close();
      rmSync(files, { recursive: true, force: true });
    });

    test('drop a photo and a file above the multipart threshold: the browser sends them to storage, both turn ready live', { timeout: 240_000 }, async (t) => {
      if (!started) return t.skip(existsSync(CHROMIUM) ? 'servers not available' : `no Chromium at ${CHROMIUM}`);
      const token = await host.platform.signer!.mint('browser-editor', { newsroom: 'editor' });
      const toStorage: { method: string; url: string; status?: number }[] = [];
      page.on('response', (response) => {
        const request = response.request();
        if (request.url().startsWith(options.storageOrigin) && request.method() !== 'OPTIONS') toStorage.push({ method: request.method(), url: request.url(), status: response.status() });
      });
      await page.goto(`${host.url}/#token=${token}`);
      await page.waitForSelector('[data-testid=dropzone]');
      await page.waitForFunction(() => document.querySelector('.live.on') !== null, { timeout: 15_000 });
      await shot('signed-in');

      const picker = await page.evaluateHandle(() => {
        const input = document.createElement('input');
        input.type = 'file';
        input.multiple = true;
        input.style.display = 'none';
        document.body.append(input);
        return input;
      });
      await (picker as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(join(files, 'harbour.jpg'), join(files, 'panorama.jpg'));
      await page.evaluate((input) => {
        const transfer = new DataTransfer();
        for (const file of Array.from((input as HTMLInputElement).files!)) transfer.items.add(file);
        const zone = document.querySelector('[data-testid=dropzone]')!;
        for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, picker);
      await page.waitForSelector('.progress-list');
      await shot('uploading');
      await page.waitForFunction(() => {
        const items = [...document.querySelectorAll('li.upload')];
        return items.length === 2 && items.every((li) => li.getAttribute('data-status') === 'done' || li.getAttribute('data-status') === 'failed');
      }, { timeout: 120_000 });
      const statuses = await page.$$eval('li.upload', (items) => items.map((li) => `${li.querySelector('.name')?.textContent}: ${li.getAttribute('data-status')} ${li.querySelector('.status')?.textContent ?? ''}`));
      assert.ok(statuses.every((s) => / done /.test(s)), statuses.join('; '));
      assert.equal(await page.$eval('[data-testid=total-percent]', (e) => e.textContent), '100 %');
      await shot('uploaded-100-percent');

      // the bytes went from the browser to the S3 server: one PUT for the photo, two or more parts for the panorama
      const puts = toStorage.filter((r) => r.method === 'PUT');
      const parts = puts.filter((r) => /[?&]partNumber=\d+/.test(r.url));
      assert.ok(parts.length >= 2, `multipart parts sent to ${options.storageOrigin}: ${JSON.stringify(toStorage.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.status}`))}`);
      assert.equal(puts.length - parts.length, 1, 'the photo as one presigned PUT');
      assert.ok(puts.every((r) => r.status === 200), JSON.stringify(puts.map((r) => r.status)));

      // ready in the grid, learnt from the live feed (no reload), and the panorama whole on the server
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => navigations.push(frame.url()));
      await page.waitForFunction(() => ['harbour', 'panorama'].every((title) => [...document.querySelectorAll('a.card[data-state=ready] .title')].some((t) => t.textContent === title)), { timeout: 120_000 });
      assert.deepEqual(navigations, []);
      const api = new Client(host.url, token);
      const listed = (await api.request('GET', '/assets?limit=100')).body.assets as { title: string; size: number; id: string }[];
      const panorama = listed.find((a) => a.title === 'panorama')!;
      assert.ok(panorama.size > options.threshold, `panorama size ${panorama.size}`);
      assert.equal((await api.request('GET', `/assets/${panorama.id}`)).body.state, 'ready');
      await shot('ready-without-reload');
    });
  });
}
