// Accessibility of the workspace in a real browser (Debian's Chromium through puppeteer-core) against the embedded
// platform: axe-core (the WCAG 2.0/2.1 A and AA rules: labels, names, contrast, landmarks, ARIA) audits each page at
// 1280 px and at a phone's width, and the library is used from the keyboard alone (Tab reaches the search box and the
// cards in order, Enter opens an asset). Assets are seeded in bulk (no media pipeline). Screenshots of each audited
// page go to test-artifacts/accessibility/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import sharp from 'sharp';
import { buildWeb } from '../../scripts/build-web.ts';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { seedAssetsInBulk } from '../support/seed-assets.ts';
import { requireServer } from '../support/servers.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'accessibility');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const available = await requireServer(`Chromium (${CHROMIUM}; Debian package chromium)`, async () => {
  if (!existsSync(CHROMIUM)) throw new Error('not installed');
});

const VIEWPORTS = [{ name: 'desktop', width: 1280, height: 800 }, { name: 'phone', width: 390, height: 844 }] as const;

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-accessibility-'));
let host: Host;
let browser: Browser;
let page: Page;
let token: string;
let seeded: Asset[];

interface Violation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }

/** axe-core's WCAG A/AA audit of what the page shows now; one line per violation and element, for the failure message. */
async function audit(name: string): Promise<string[]> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) as `${string}.png` });
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations.flatMap((v) => v.nodes.map((n) => `${name}: ${v.id} (${v.impact}) ${v.help} at ${n.target.join(' ')}`));
}

before(async () => {
  if (!available) return;
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildWeb({ quiet: true });
  host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', LOG_LEVEL: 'warn' }), 0);
  await host.platform.store.ensureBuckets();
  const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer();
  seeded = await seedAssetsInBulk(host.platform, ['Pleno del ayuntamiento', 'Señal de tráfico', 'Rueda de prensa'].map((title) => ({ title, tags: ['desk'], editorialState: 'draft' as const, thumbnailBytes: jpeg })));
  token = await host.platform.signer!.mint('editor-in-browser', { newsroom: 'admin' });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
});

after(async () => {
  await browser?.close();
  await host?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every page passes axe-core WCAG 2.1 A/AA at desktop and phone width', { skip: !available, timeout: 180_000 }, async () => {
  const problems: string[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewport({ width: viewport.width, height: viewport.height });
    await page.goto(`${host.url}/#token=${token}`);
    await page.waitForFunction(() => document.querySelectorAll('a.card').length === 3, { timeout: 30_000 });
    problems.push(...(await audit(`${viewport.name}-library`)));

    await page.goto(`${host.url}/#/asset/${seeded[0]!.id}`);
    await page.waitForFunction((title) => document.querySelector('h1, h2')?.textContent?.includes(title), { timeout: 30_000 }, seeded[0]!.title);
    problems.push(...(await audit(`${viewport.name}-asset`)));
  }
  assert.deepEqual(problems, [], `accessibility violations:\n${problems.join('\n')}`);
});

test('the library works from the keyboard: Tab reaches the search box, then the cards in order; Enter opens one', { skip: !available, timeout: 60_000 }, async () => {
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${host.url}/#token=${token}`);
  await page.waitForFunction(() => document.querySelectorAll('a.card').length === 3, { timeout: 30_000 });
  const focusedIs = () => page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName.toLowerCase(), type: el?.getAttribute('type'), href: el?.getAttribute('href'), visibleFocus: el ? getComputedStyle(el).outlineStyle !== 'none' || getComputedStyle(el).boxShadow !== 'none' : false };
  });
  let reachedSearch = false;
  const cardsInOrder: string[] = [];
  for (let i = 0; i < 60 && cardsInOrder.length < 3; i++) {
    await page.keyboard.press('Tab');
    const focused = await focusedIs();
    if (focused.tag === 'input' && focused.type === 'search') reachedSearch = true;
    if (focused.tag === 'a' && focused.href?.startsWith('#/asset/')) {
      assert.ok(reachedSearch, 'the search box comes before the cards in the focus order');
      assert.ok(focused.visibleFocus, `the focused card ${focused.href} shows where the focus is`);
      cardsInOrder.push(focused.href.slice('#/asset/'.length));
    }
  }
  const shown = await page.$$eval('a.card', (cards) => cards.map((a) => a.getAttribute('href')!.slice('#/asset/'.length)));
  assert.deepEqual(cardsInOrder, shown, 'Tab visits the cards in the order the grid shows them');
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => location.hash === `#/asset/${id}`, { timeout: 10_000 }, cardsInOrder[2]);
});
