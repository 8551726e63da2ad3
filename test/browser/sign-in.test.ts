// Signing in to the workspace through an OIDC provider, in a real browser (Debian's Chromium through puppeteer-core):
// the authorization code flow with PKCE against a loopback provider (test/support/oidc-provider.ts), whose access
// token the API then verifies against the provider's JWKS. The development token path stays on the embedded
// default (test/browser/library.test.ts, workspace.test.ts). A short-lived access token is renewed with the refresh
// token before it expires. Screenshots go to test-artifacts/sign-in/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import { buildWeb } from '../../scripts/build-web.ts';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { type OidcProvider, startOidcProvider } from '../support/oidc-provider.ts';
import { seedAssetsInBulk } from '../support/seed-assets.ts';
import { requireServer } from '../support/servers.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'sign-in');
const available = await requireServer(`Chromium (${CHROMIUM}; Debian package chromium)`, async () => {
  if (!existsSync(CHROMIUM)) throw new Error('not installed');
});

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-sign-in-'));
const redirectUris: string[] = [];
let provider: OidcProvider;
let host: Host;
let browser: Browser;
let page: Page;
let step = 0;

async function shot(name: string): Promise<void> {
  step += 1;
  await page.screenshot({ path: join(ARTIFACTS, `${String(step).padStart(2, '0')}-${name}.png`) as `${string}.png` });
}

before(async () => {
  if (!available) return;
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildWeb({ quiet: true });
  provider = await startOidcProvider({
    clientId: 'mediateca-web',
    redirectUris,
    users: {
      ana: { password: 'correct horse', roles: { newsroom: 'editor' }, name: 'Ana' },
      // short-lived access tokens: the workspace must renew them with the refresh token while bea works
      bea: { password: 'battery staple', roles: { newsroom: 'editor' }, name: 'Bea', accessTokenSeconds: 20 },
    },
    refreshTokens: true,
    audience: 'mediateca',
    rolesClaim: 'groups_by_project',
  });
  host = await startHost(loadConfig({
    MEDIATECA_DATA: dataDir, PORT: '0', LOG_LEVEL: 'warn',
    AUTH_JWKS_URL: provider.jwksUrl, AUTH_ISSUER: provider.issuer, AUTH_AUDIENCE: 'mediateca', AUTH_ROLES_CLAIM: 'groups_by_project',
    WEB_OIDC_CLIENT_ID: 'mediateca-web',
  }), 0);
  redirectUris.push(`${host.url}/`);
  await host.platform.store.ensureBuckets();
  await seedAssetsInBulk(host.platform, [{ title: 'signed-in view', editorialState: 'approved' }]);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('pageerror', (error) => console.error('page error:', error));
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await provider?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('sign in with OIDC (authorization code + PKCE): the provider’s token opens the workspace and the API', { skip: !available, timeout: 120_000 }, async () => {
  // the sign-in page offers the provider and no token form (the platform signs no tokens of its own here)
  const config = await (await fetch(`${host.url}/auth/config`)).json();
  assert.deepEqual(config, { devToken: false, rolesClaim: 'groups_by_project', oidc: { issuer: provider.issuer, clientId: 'mediateca-web', scope: 'openid profile' } });
  await page.goto(`${host.url}/#/`);
  await page.waitForSelector('[data-testid=oidc-sign-in]');
  assert.equal(await page.$('#token'), null);
  await shot('sign-in-choice');

  // off to the provider, with a PKCE challenge; a wrong password first
  await Promise.all([page.waitForNavigation(), page.click('[data-testid=oidc-sign-in]')]);
  const authorize = new URL(page.url());
  assert.equal(authorize.origin + authorize.pathname, `${provider.issuer}/authorize`);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.match(authorize.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${host.url}/`);
  assert.ok(authorize.searchParams.get('state'));
  await page.type('#username', 'ana');
  await page.type('#password', 'wrong');
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  await page.waitForSelector('#login-error');
  await shot('provider-wrong-password');
  await page.type('#username', 'ana');
  await page.type('#password', 'correct horse');
  await shot('provider-sign-in');

  // back with a code: traded with the verifier, the workspace is signed in, the code leaves the address bar
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  await page.waitForFunction(() => [...document.querySelectorAll('a.card .title')].some((t) => t.textContent === 'signed-in view'), { timeout: 20_000 });
  assert.equal(new URL(page.url()).search, '', 'no code or state left in the address');
  assert.deepEqual(provider.grants, [{ user: 'ana', codeChallengeMethod: 'S256', verifierChecked: true }]);
  assert.deepEqual(provider.refusals, []);
  assert.equal(await page.$eval('header .who', (e) => e.textContent), 'ana');
  // the roles claim named by the deployment: ana may upload to newsroom
  await page.waitForSelector('[data-testid=dropzone]');
  assert.match(await page.$eval('[data-testid=dropzone]', (e) => e.textContent ?? ''), /newsroom/);
  await page.waitForFunction(() => document.querySelector('.live.on') !== null, { timeout: 10_000 });
  await shot('signed-in-library');

  // the token in the tab is the provider's, and the API takes it
  const token = await page.evaluate(() => sessionStorage.getItem('mediateca.token'));
  const payload = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString());
  assert.equal(payload.iss, provider.issuer);
  assert.equal((await fetch(`${host.url}/assets`, { headers: { authorization: `Bearer ${token}` } })).status, 200);

  // signing out and opening a stale callback (the code is spent, the tab started nothing): an error, not a session
  await page.click('header button.link');
  await page.waitForSelector('[data-testid=oidc-sign-in]');
  await page.goto(`${host.url}/?code=spent&state=whatever`);
  await page.waitForSelector('.signin [role=alert]');
  assert.match(await page.$eval('.signin [role=alert]', (e) => e.textContent ?? ''), /did not start it/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('mediateca.token')), null);
  await shot('stale-callback-refused');
});

test('OIDC: the access token is renewed with the refresh token before it expires, and the workspace keeps working', { skip: !available, timeout: 180_000 }, async () => {
  await page.goto(`${host.url}/#/`);
  await page.waitForSelector('[data-testid=oidc-sign-in]');
  await Promise.all([page.waitForNavigation(), page.click('[data-testid=oidc-sign-in]')]);
  await page.type('#username', 'bea');
  await page.type('#password', 'battery staple');
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  await page.waitForFunction(() => [...document.querySelectorAll('a.card .title')].some((t) => t.textContent === 'signed-in view'), { timeout: 30_000 });
  const first = (await page.evaluate(() => sessionStorage.getItem('mediateca.token')))!;
  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number; preferred_username: string };
  assert.equal(claims(first).exp - claims(first).iat, 20);
  await shot('short-token-signed-in');

  // before the first token expires the tab holds a new one, from the refresh token (the provider rotates it)
  await page.waitForFunction((old) => { const now = sessionStorage.getItem('mediateca.token'); return now !== null && now !== old; }, { timeout: 60_000 }, first);
  const renewed = (await page.evaluate(() => sessionStorage.getItem('mediateca.token')))!;
  assert.ok(provider.refreshes.includes('bea'), `the refresh token was used: ${JSON.stringify(provider.refreshes)}`);
  assert.ok(claims(renewed).exp > claims(first).exp);
  assert.equal(claims(renewed).preferred_username, 'bea');
  assert.deepEqual(provider.refusals, [], 'no refresh token was refused (each is used once)');
  assert.equal((await fetch(`${host.url}/assets`, { headers: { authorization: `Bearer ${renewed}` } })).status, 200);

  // once the first token has expired the workspace still answers: the listing, sorted again, goes out with a renewed token
  await page.waitForFunction((exp) => Date.now() / 1000 > exp, { timeout: 60_000 }, claims(first).exp);
  const [listing] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/assets' && r.url().includes('sort=title'), { timeout: 30_000 }),
    page.select('#sort', 'title'),
  ]);
  assert.equal(listing.status(), 200);
  const sentWith = listing.request().headers().authorization!;
  assert.notEqual(sentWith, `Bearer ${first}`);
  assert.ok(claims(sentWith.slice('Bearer '.length)).exp >= claims(renewed).exp, 'sent with the renewed token (or a later one)');
  await page.waitForFunction(() => document.querySelector('.summary')?.getAttribute('data-sort') === 'title' && [...document.querySelectorAll('a.card .title')].some((t) => t.textContent === 'signed-in view'), { timeout: 30_000 });
  assert.equal(await page.$('[data-testid=oidc-sign-in]'), null, 'still signed in');
  await shot('renewed-token-still-signed-in');
});
