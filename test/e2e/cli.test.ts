// The CLI end to end: the real `mediateca` process (cli/mediateca.js, as `npx mediateca` runs it) against an
// embedded platform on loopback. A folder of 50 files with two duplicates (one already in the project, one
// twice in the folder) is uploaded, the CLI is killed while a multipart file is half sent, and a second run
// finishes the job: the summary is right, the half-sent file continues from its missing parts, nothing is
// uploaded twice. Then downloads resume with a Range request, edit, search and publish work, and --json is parseable.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { file, startSourceServer } from '../support/source-server.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const root = mkdtempSync(join(tmpdir(), 'mediateca-cli-e2e-'));
const BIN = join(import.meta.dirname, '../../cli/mediateca.js');
// the CLI's config and journal go to this test's own folders (env-paths reads the XDG variables)
const cliEnv = { ...process.env, XDG_CONFIG_HOME: join(root, 'config'), XDG_DATA_HOME: join(root, 'state'), MEDIATECA_URL: '', MEDIATECA_TOKEN: '', MEDIATECA_PROJECT: '' };
for (const name of ['MEDIATECA_URL', 'MEDIATECA_TOKEN', 'MEDIATECA_PROJECT', 'MEDIATECA_CONFIG'] as const) delete (cliEnv as Record<string, string | undefined>)[name];
let host: Host;
let client: Client;
let proxy: Proxy;

/**
 * The CLI reaches the platform through this forwarding proxy (PUBLIC_URL points the presigned URLs at it too), so
 * a test can stop the CLI at an exact point: `holdPartAfter(n, then)` lets n multipart part PUTs through, holds
 * the next one and calls `then`.
 */
interface Proxy { url: string; target: string; holdPartAfter(n: number, then: () => void): void; close(): Promise<void> }

async function startProxy(): Promise<Proxy> {
  let hold: { left: number; then: () => void } | undefined;
  const server = createServer((request, response) => {
    if (hold && request.method === 'PUT' && request.url?.includes('partNumber=')) {
      if (hold.left === 0) { const { then } = hold; hold = undefined; then(); return; } // never answered
      hold.left--;
    }
    const upstream = httpRequest(`${proxy.target}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target: '',
    holdPartAfter: (left, then) => { hold = { left, then }; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

before(async () => {
  proxy = await startProxy();
  host = await startHost(loadConfig({
    PUBLIC_URL: proxy.url,
    MEDIATECA_DATA: join(root, 'platform'),
    PORT: '0',
    ENRICH_PARTS: 'none',
    LOG_LEVEL: 'warn',
    IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
    DISTRIBUTE_ALLOW_PRIVATE_NETWORKS: 'true', // the publish test's webhook receiver is on loopback
    IMPORT_HOST_RATE: '100',
    // parts of 5 MiB (the S3 minimum), so one file of 16 MiB is a multipart upload of four parts
    UPLOAD_MULTIPART_THRESHOLD: '6M',
    UPLOAD_PART_SIZE: '5M',
    // publish: channel credentials are encrypted; the delivery worker looks for due publications often
    CHANNEL_SECRETS_KEY: `cli:${randomBytes(32).toString('base64')}`,
    DISTRIBUTE_POLL_INTERVAL_MS: '200',
  }), 0);
  proxy.target = host.url;
  client = new Client(proxy.url, await host.platform.signer!.mint('cli-user', { newsroom: 'editor' }));
});
after(async () => {
  await host?.stop();
  await proxy?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI; `done` resolves when it exits (killed or not), `child` is there to kill it. */
function start(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv, cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += chunk; });
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  return {
    child,
    done: new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    }),
  };
}

const cli = (args: string[]) => start(args).done;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('login stores the server and token; a wrong token is refused', async () => {
  const refused = await cli(['login', proxy.url, '--token', 'not-a-token']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /401/);
  const ok = await cli(['--json', 'login', proxy.url, '--token', client.token, '--project', 'newsroom']);
  assert.equal(ok.code, 0, ok.stderr);
  const { config } = JSON.parse(ok.stdout);
  assert.equal(config, join(root, 'config', 'mediateca', 'config.json'));
  assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { server: proxy.url, token: client.token, project: 'newsroom' });
});

test('a folder of 50 files with two duplicates, killed half way and run again, ends with the right summary', async () => {
  const folder = join(root, 'shoot');
  mkdirSync(folder);
  const photos: Buffer[] = [];
  for (let i = 0; i < 47; i++) photos.push(await makeJpegWithExif({ width: 40, height: 30, seed: 100 + i }));
  // a JPEG with 16 MiB after its end marker (decoders stop at the marker): a multipart upload of four parts
  const big = Buffer.concat([await makeJpegWithExif({ width: 40, height: 30, seed: 99 }), randomBytes(16 * 1024 * 1024)]);
  // already in the project, uploaded by hand before
  const known = await makeJpegWithExif({ width: 40, height: 30, seed: 98 });
  const { assetId: knownId } = await client.upload(known, 'known.jpg', 'image/jpeg');
  await client.waitForAsset(knownId, (a) => a.state === 'ready');

  photos.forEach((bytes, i) => writeFileSync(join(folder, `photo-${String(i).padStart(2, '0')}.jpg`), bytes));
  writeFileSync(join(folder, 'photo-20-big.jpg'), big);
  copyFileSync(join(folder, 'photo-05.jpg'), join(folder, 'photo-05b-copy.jpg'));
  writeFileSync(join(folder, 'photo-known.jpg'), known);

  // first run, one file at a time: killed while the big file's third part is on its way
  const running = start(['upload', 'shoot', '--concurrency', '1', '--part-concurrency', '1']);
  proxy.holdPartAfter(2, () => running.child.kill('SIGKILL'));
  const first = await running.done;
  assert.equal(first.signal, 'SIGKILL', `the first run was to be killed mid-way; it ended: ${first.stderr.slice(-500)}`);
  const finishedBefore = first.stderr.split('\n').filter((l) => l.startsWith('uploaded')).length;
  assert.ok(finishedBefore > 5 && finishedBefore < 48, `files done before the kill: ${finishedBefore}`);

  const second = await cli(['--json', 'upload', 'shoot']);
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  assert.deepEqual(summary.totals, { files: 50, uploaded: 48, resumed: finishedBefore + 1, duplicate: 2, failed: 0, bytes: summary.files.reduce((s: number, f: any) => s + f.size, 0) });
  const byName = (name: string) => summary.files.find((f: any) => f.path === join('shoot', name));
  const bigResult = byName('photo-20-big.jpg');
  assert.equal(bigResult.detail, 'resumed');
  assert.equal(bigResult.sent, big.length - 2 * 5 * 1024 * 1024, 'the second run sent only the parts the server lacked');
  assert.equal(byName('photo-known.jpg').result, 'duplicate');
  assert.equal(byName('photo-known.jpg').duplicateOf, knownId);
  assert.equal(byName('photo-05b-copy.jpg').result, 'duplicate');
  assert.equal(byName('photo-05b-copy.jpg').duplicateOf, byName('photo-05.jpg').assetId);
  assert.equal(byName('photo-00.jpg').detail, 'finished in an earlier run');

  // on the server: one asset per distinct file, every one verified with the file's own bytes, none left open
  const uploaded = summary.files.filter((f: any) => f.result === 'uploaded');
  assert.equal(new Set(uploaded.map((f: any) => f.assetId)).size, 48);
  for (const file of uploaded) {
    const asset = await client.waitForAsset(file.assetId, (a) => a.state === 'ready' || a.state === 'failed');
    assert.equal(asset.state, 'ready', `${file.path}: ${asset.stateReason}`);
    assert.equal(asset.sha256, file.sha256);
  }
  assert.equal(byName('photo-20-big.jpg').sha256, sha256(big));
  const listed = (await client.request('GET', '/assets?projectId=newsroom&limit=100')).body.assets as any[];
  assert.deepEqual(listed.filter((a) => a.state !== 'ready'), [], 'no upload was started twice or left open');
  assert.equal(listed.length, 49);

  // a third run has nothing left to send
  const third = await cli(['--json', 'upload', 'shoot']);
  assert.equal(JSON.parse(third.stdout).files.reduce((s: number, f: any) => s + f.sent, 0), 0);
});

test('download continues a partial file with a Range request and checks the SHA-256; get, edit and search', async () => {
  const bytes = Buffer.concat([await makeJpegWithExif({ width: 40, height: 30, seed: 7 }), randomBytes(200_000)]);
  const { assetId } = await client.upload(bytes, 'harbour.jpg', 'image/jpeg');
  await client.waitForAsset(assetId, (a) => a.state === 'ready');
  const target = join(root, 'harbour.jpg');
  writeFileSync(`${target}.part`, bytes.subarray(0, 80_000)); // what an interrupted download left
  const resumed = await cli(['--json', 'download', assetId, '-o', target]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(JSON.parse(resumed.stdout), { assetId, file: target, bytes: bytes.length, resumedFrom: 80_000, sha256: sha256(bytes) });
  assert.ok(readFileSync(target).equals(bytes));
  assert.equal(existsSync(`${target}.part`), false);

  // a partial file that is not a prefix of the original: caught by the SHA-256, kept aside
  const other = join(root, 'other.jpg');
  writeFileSync(`${other}.part`, randomBytes(1000));
  const corrupt = await cli(['download', assetId, '-o', other]);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.stderr, /do not match the asset's SHA-256/);

  const edited = await cli(['--json', 'edit', assetId, '--title', 'Harbour at dawn', '--add-tag', 'harbour', 'dawn']);
  assert.equal(edited.code, 0, edited.stderr);
  assert.equal(JSON.parse(edited.stdout).title, 'Harbour at dawn');
  const got = JSON.parse((await cli(['--json', 'get', assetId])).stdout);
  assert.deepEqual([got.title, [...got.tags].sort()], ['Harbour at dawn', ['dawn', 'harbour']]);
  await client.waitForSearch('q=dawn', (r) => r.total === 1);
  const found = await cli(['--json', 'search', 'dawn']);
  assert.equal(found.code, 0, found.stdout + found.stderr);
  assert.deepEqual(JSON.parse(found.stdout).hits.map((h: any) => h.assetId), [assetId]);
  const human = await cli(['search', 'dawn']);
  assert.match(human.stdout, /Harbour at dawn/);

  const missing = await cli(['--json', 'get', '00000000-0000-4000-8000-000000000000']);
  assert.equal(missing.code, 1);
  assert.equal(JSON.parse(missing.stdout).status, 404);
  const usage = await cli(['edit', assetId]);
  assert.equal(usage.code, 2);
});

test('import starts a batch through the imports API, follows it and writes its report', async () => {
  const source = await startSourceServer();
  try {
    for (let i = 0; i < 3; i++) source.route(`/wire/${i}.jpg`, file(await makeJpegWithExif({ width: 40, height: 30, seed: 600 + i }), 'image/jpeg'));
    const list = join(root, 'urls.txt');
    writeFileSync(list, `# agency wire\n${[0, 1, 2].map((i) => `${source.url}/wire/${i}.jpg`).join('\n')}\n${source.url}/wire/missing.jpg\n`);
    const dry = await cli(['--json', 'import', 'urls', list, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual([JSON.parse(dry.stdout).items, source.hits.get('/wire/0.jpg')], [4, undefined]);

    const report = join(root, 'report.csv');
    const run = await cli(['--json', 'import', 'urls', list, '--tags', 'wire', '--wait', '--report', report]);
    assert.equal(run.code, 1, 'one item failed: exit code 1');
    const batch = JSON.parse(run.stdout);
    assert.deepEqual([batch.state, batch.counts.uploaded, batch.counts.failed], ['completed', 3, 1]);
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[4]!, /missing\.jpg.*404/);
    const status = await cli(['import', 'status', batch.id]);
    assert.match(status.stdout, /completed, 4 items/);
    const refused = await cli(['import', 'resume', batch.id]);
    assert.equal(refused.code, 1, 'a batch that is not paused cannot be resumed (409)');
    assert.match(refused.stderr, /409/);
  } finally {
    await source.close();
  }
});

test('publish sends assets to a channel (by id, or by name for an admin) and --wait follows the delivery; refusals are exit code 1', async () => {
  const receiver = await startWebhookReceiver();
  /** the CLI as someone (MEDIATECA_URL / _TOKEN / _PROJECT override the stored login) */
  const cliAs = (token: string, args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...cliEnv, MEDIATECA_URL: proxy.url, MEDIATECA_TOKEN: token, MEDIATECA_PROJECT: 'newsroom' }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => { stdout += chunk; });
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  try {
    const adminToken = await host.platform.signer!.mint('cli-admin', { newsroom: 'admin' });
    const producerToken = await host.platform.signer!.mint('cli-producer', { newsroom: 'producer' });
    const admin = new Client(proxy.url, adminToken);
    const channel = await admin.request('POST', '/projects/newsroom/channels', { name: 'cms', type: 'webhook', target: { url: receiver.url }, credentials: { secret: receiver.secret }, renditions: ['original'] });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    const ids: string[] = [];
    for (const seed of [31, 32]) {
      const { assetId } = await client.upload(await makeJpegWithExif({ width: 40, height: 30, seed }), `pub-${seed}.jpg`, 'image/jpeg');
      await client.waitForAsset(assetId, (a) => a.state === 'ready');
      // only approved assets are published: the editor submits, a producer approves
      assert.equal((await client.request('POST', `/assets/${assetId}/transitions`, { to: 'in_review' })).status, 200);
      assert.equal((await admin.request('POST', `/assets/${assetId}/transitions`, { to: 'approved' })).status, 200);
      ids.push(assetId);
    }

    // an editor may not publish (producers do): each asset's row says so, exit code 1
    const asEditor = await cliAs(client.token, ['--json', 'publish', ...ids, '--channel', channel.body.id]);
    assert.equal(asEditor.code, 1);
    const refused = JSON.parse(asEditor.stdout);
    assert.equal(refused.failed, 2);
    assert.ok(refused.publications.every((p: any) => p.state === 'refused' && / 403: /.test(p.error)), asEditor.stdout);

    // a producer names the channel by id and waits: both delivered, the receiver has both
    const published = await cliAs(producerToken, ['--json', 'publish', ...ids, '--channel', channel.body.id, '--wait', '--timeout', '60']);
    assert.equal(published.code, 0, published.stdout + published.stderr);
    const answer = JSON.parse(published.stdout);
    assert.equal(answer.failed, 0);
    assert.deepEqual(answer.publications.map((p: any) => [p.assetId, p.state]), ids.map((id) => [id, 'delivered']));
    assert.equal(receiver.published.size, 2);
    assert.ok(receiver.received.every((r) => r.verified));

    // the same again is the publication already there; a channel's name needs the channel list (admins)
    const again = await cliAs(producerToken, ['--json', 'publish', ids[0]!, '--channel', channel.body.id]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).publications[0].publicationId, answer.publications[0].publicationId);
    const byNameAsProducer = await cliAs(producerToken, ['publish', ids[0]!, '--channel', 'cms']);
    assert.equal(byNameAsProducer.code, 1);
    assert.match(byNameAsProducer.stderr, /403/);
    const byName = await cliAs(adminToken, ['--json', 'publish', ids[1]!, '--channel', 'cms']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(JSON.parse(byName.stdout).channelId, channel.body.id);
    const unknownName = await cliAs(adminToken, ['publish', ids[1]!, '--channel', 'nowhere']);
    assert.equal(unknownName.code, 2);
    assert.match(unknownName.stderr, /no channel named "nowhere" \(cms\)/);

    // an asset that is not there: its row says why, the other still goes, the exit code is 1
    const mixed = await cliAs(producerToken, ['publish', '00000000-0000-4000-8000-000000000000', ids[0]!, '--channel', channel.body.id]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stdout, /refused/);
    assert.match(mixed.stdout, /1 of 2 accepted/);
  } finally {
    await receiver.close();
  }
});
