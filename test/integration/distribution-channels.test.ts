// The Channel contract, run against every adapter and a real destination: OpenSSH sshd and vsftpd started by the
// test on their own ports (non-root user, key and password auth), a second bucket on Ceph RGW, a webhook receiver
// verifying signatures with the independent `standardwebhooks` package, and a local server written to YouTube's
// documented resumable upload protocol (the real service is not reachable here).
//   deliver → the files and the sidecar are there, whole; deliver again with the same key → still once;
//   retract → gone; and per adapter what its protocol adds (resume after a crash, 308/5xx, no half files).
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CHECKPOINT_MIN_BYTES } from '../../shared/distribution/adapters/drop-folder.ts';
import { channelProblems, openChannel } from '../../shared/distribution/adapters/index.ts';
import { type AssetSidecar, type Channel, type ChannelOptions, type ChannelType, type Delivery, type DeliveryFile, isPermanent } from '../../shared/distribution/channel.ts';
import type { S3Channel } from '../../shared/distribution/adapters/s3.ts';
import { S3ObjectStore } from '../../shared/storage/s3.ts';
import { type DropServer, startSshd, startVsftpd } from '../support/drop-servers.ts';
import { S3, createRgwUser, requireServer } from '../support/servers.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.ts';
import { YOUTUBE_CREDENTIALS, type YoutubeServer, startYoutubeServer, youtubeTarget } from '../support/youtube-server.ts';

/** loopback destinations: the SSRF guard is told to allow private networks, as DISTRIBUTE_ALLOW_PRIVATE_NETWORKS does */
const OPTIONS: ChannelOptions = { maxConnections: 2, idleMs: 2000, network: { allowPrivateNetworks: true, allowedRanges: [] } };
const opened: Channel[] = [];
after(() => Promise.all(opened.map((channel) => channel.close())));
function channelOf(type: ChannelType, target: unknown, credentials: unknown, options = OPTIONS): Channel {
  const channel = openChannel(type, target, credentials, options);
  opened.push(channel);
  return channel;
}

const assetId = randomUUID();
const publicationId = randomUUID();
const video = randomBytes(700 * 1024 + 123);
const poster = randomBytes(20 * 1024);

function memoryFile(name: string, ext: string, contentType: string, bytes: Buffer, onOpen?: (stream: Readable) => void): DeliveryFile {
  return {
    name,
    filename: `${assetId}_${name}.${ext}`,
    contentType,
    size: bytes.length,
    open: async (start = 0) => {
      const stream = Readable.from([bytes.subarray(start, start + 256 * 1024), bytes.subarray(start + 256 * 1024)].filter((b) => b.length));
      onOpen?.(stream);
      return stream;
    },
    url: async () => `https://store.example/${name}`,
  };
}

function delivery(files: DeliveryFile[], resumeFrom: Record<string, unknown> = {}, signal = new AbortController().signal) {
  const saved: Record<string, unknown>[] = [];
  const sidecar: AssetSidecar = {
    id: assetId, projectId: 'newsroom', version: 7, title: 'Flood in Valencia', description: 'Aerial view', tags: ['flood', 'valencia'], mediaType: 'video', filename: 'flood.mp4',
    metadata: {}, publicationId, idempotencyKey: `${assetId}.v7.channel`, files: files.map(({ name, filename, contentType, size }) => ({ name, filename, contentType, size })),
  };
  const value: Delivery = { idempotencyKey: sidecar.idempotencyKey, asset: sidecar, files, resumeFrom, signal, checkpoint: async (data) => { saved.push(data); } };
  return { value, saved };
}

const files = () => [memoryFile('original', 'mp4', 'video/mp4', video), memoryFile('poster', 'jpg', 'image/jpeg', poster)];
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Destination {
  channel: Channel;
  /** what is at the destination now: name → SHA-256 */
  contents(): Promise<Map<string, string>>;
  /** names at the destination a watcher could see but that are not finished files */
  partials?(): Promise<string[]>;
}

/** The contract every adapter keeps. */
function channelContract(type: ChannelType, open: () => Promise<Destination>, expected: (delivered: Map<string, string>) => void) {
  test(`${type}: delivers the files and the sidecar, a repeat with the same key publishes once, retract removes them`, async () => {
    const destination = await open();
    const first = delivery(files());
    const ref = await destination.channel.deliver(first.value);
    assert.ok(ref.externalId);
    const delivered = await destination.contents();
    expected(delivered);
    const again = delivery(files(), first.saved.at(-1) ?? {});
    const repeat = await destination.channel.deliver(again.value);
    assert.equal(repeat.externalId, ref.externalId);
    assert.deepEqual(await destination.contents(), delivered, 'the repeat changed nothing');
    assert.deepEqual((await destination.partials?.()) ?? [], []);
    await destination.channel.retract({ externalId: ref.externalId, ref: ref.ref, idempotencyKey: first.value.idempotencyKey, signal: new AbortController().signal });
    assert.equal((await destination.contents()).size, 0, 'retract removed everything');
    // retracting what is already gone is fine
    await destination.channel.retract({ externalId: ref.externalId, ref: ref.ref, idempotencyKey: first.value.idempotencyKey, signal: new AbortController().signal });
  });
}

function expectFilesAndSidecar(delivered: Map<string, string>) {
  assert.equal(delivered.get(`${assetId}_original.mp4`), sha(video));
  assert.equal(delivered.get(`${assetId}_poster.jpg`), sha(poster));
  assert.ok(delivered.has(`${assetId}.json`));
  assert.equal(delivered.size, 3);
}

function folderContents(directory: string) {
  return async () => new Map(readdirSync(directory).filter((n) => !n.startsWith('.')).map((n) => [n, sha(readFileSync(join(directory, n)))]));
}
const folderPartials = (directory: string) => async () => readdirSync(directory).filter((n) => n.startsWith('.'));

describe('webhook', () => {
  let receiver: WebhookReceiver;
  before(async () => { receiver = await startWebhookReceiver(); });
  after(() => receiver.close());
  const channel = () => channelOf('webhook', { url: receiver.url }, { secret: receiver.secret });
  channelContract('webhook', async () => ({ channel: channel(), contents: async () => new Map([...receiver.published.values()].map((item) => [item.id, JSON.stringify(item.body.files.map((f: { url: string }) => f.url))])) }), (delivered) => {
    assert.equal(delivered.size, 1);
    const request = receiver.received.at(-1)!;
    assert.equal(request.verified, true, 'standardwebhooks verified the signature');
    assert.equal(request.id, `${assetId}.v7.channel`);
    assert.equal(request.body.asset.title, 'Flood in Valencia');
    assert.deepEqual(request.body.files.map((f: { name: string }) => f.name), ['original', 'poster']);
  });

  test('webhook: a 4xx is permanent, a 5xx may pass, a tampered secret fails verification at the receiver', async () => {
    receiver.mode = 422;
    await assert.rejects(channel().deliver(delivery(files()).value), { name: 'PermanentDeliveryError' });
    receiver.mode = 503;
    await assert.rejects(channel().deliver(delivery(files()).value), (error: Error) => error.name === 'Error' && /HTTP 503/.test(error.message));
    receiver.mode = 'ok';
    const wrong = channelOf('webhook', { url: receiver.url }, { secret: `whsec_${randomBytes(24).toString('base64')}` });
    await assert.rejects(wrong.deliver(delivery(files()).value), /HTTP 401/);
    assert.equal(receiver.received.at(-1)!.verified, false);
  });
});

describe('s3 (a second bucket on Ceph RGW, its own credentials)', async () => {
  const available = await requireServer('Ceph RGW', S3.endpoint);
  const bucket = `distribute-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  let credentials = { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey };
  let store: S3ObjectStore;
  before(async () => {
    if (!available) return;
    credentials = createRgwUser() ?? credentials;
    store = new S3ObjectStore({ endpoint: S3.endpoint, region: S3.region, ...credentials }, { incoming: bucket, masters: bucket, renditions: bucket, analytics: bucket });
    await (await store.client()).send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    if (!available) return;
    const client = await store.client();
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of listed.Contents ?? []) await store.delete(bucket, o.Key!);
    const { DeleteBucketCommand } = await import('@aws-sdk/client-s3');
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
  const contents = async () => {
    const client = await store.client();
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'playout/' }));
    const found = new Map<string, string>();
    for (const o of listed.Contents ?? []) {
      const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      found.set(o.Key!.slice('playout/'.length), sha(Buffer.from(await body.Body!.transformToByteArray())));
    }
    return found;
  };
  if (available) channelContract('s3', async () => ({ channel: channelOf('s3', { endpoint: S3.endpoint, region: S3.region, bucket, prefix: 'playout' }, credentials), contents }), expectFilesAndSidecar);

  if (available) test('s3: a file above the multipart threshold goes up in parts (Upload against Ceph RGW), whole and byte for byte', async () => {
    const MiB = 1024 * 1024;
    // the threshold and part size at S3's minimum (5 MiB) stand in for the 5 GiB a single PUT allows
    const channel = channelOf('s3', { endpoint: S3.endpoint, region: S3.region, bucket, prefix: 'big', multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB }, credentials) as S3Channel;
    const big = randomBytes(11 * MiB + 17);
    const small = randomBytes(1000);
    const ref = await channel.deliver(delivery([memoryFile('original', 'mp4', 'video/mp4', big), memoryFile('poster', 'jpg', 'image/jpeg', small)]).value);
    assert.equal(channel.multipartUploads, 1, 'only the file above the threshold went in parts');
    const client = await store.client();
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `big/${assetId}_original.mp4` }));
    assert.match(object.ETag ?? '', /-3"?$/, 'a multipart object of 3 parts');
    assert.equal(sha(Buffer.from(await object.Body!.transformToByteArray())), sha(big));
    const poster = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `big/${assetId}_poster.jpg` }));
    assert.equal(sha(Buffer.from(await poster.Body!.transformToByteArray())), sha(small));
    await channel.retract({ externalId: ref.externalId, ref: ref.ref, idempotencyKey: 'k', signal: new AbortController().signal });
    assert.equal(((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'big/' }))).Contents ?? []).length, 0);
  });
});

describe('sftp (OpenSSH sshd on loopback)', async () => {
  const available = await requireServer('OpenSSH sshd (Debian openssh-server)', async () => { if (!existsSync('/usr/sbin/sshd')) throw new Error('/usr/sbin/sshd is not installed'); });
  let server: DropServer;
  before(async () => { if (available) server = await startSshd(); });
  after(async () => { await server?.stop(); });
  const target = () => ({ host: '127.0.0.1', port: server.port, directory: server.directory, hostKeySha256: server.hostKeySha256 });
  if (!available) return;
  channelContract('sftp', async () => ({ channel: channelOf('sftp', target(), { username: server.username, privateKey: server.privateKey }), contents: folderContents(server.directory), partials: folderPartials(server.directory) }), expectFilesAndSidecar);

  test('sftp: password login works; a wrong pinned host key is refused', async () => {
    const byPassword = channelOf('sftp', target(), { username: server.username, password: server.password });
    const ref = await byPassword.deliver(delivery(files()).value);
    assert.equal(readdirSync(server.directory).filter((n) => !n.startsWith('.')).length, 3);
    await byPassword.retract({ externalId: ref.externalId, ref: ref.ref, idempotencyKey: 'k', signal: new AbortController().signal });
    const pinnedWrong = channelOf('sftp', { ...target(), hostKeySha256: `SHA256:${'A'.repeat(43)}` }, { username: server.username, password: server.password });
    await assert.rejects(pinnedWrong.deliver(delivery(files()).value));
  });

  test('sftp: an upload cut off mid-file leaves no visible half file, and the next attempt resumes from the checkpoint and delivers once', async () => {
    const abort = new AbortController();
    // a file this large is checkpointed once in place (a smaller one is simply sent again)
    const large = randomBytes(CHECKPOINT_MIN_BYTES);
    const cut = [memoryFile('original', 'mp4', 'video/mp4', large), memoryFile('poster', 'jpg', 'image/jpeg', poster, (stream) => stream.once('data', () => abort.abort(new Error('killed mid-upload'))))];
    const first = delivery(cut, {}, abort.signal);
    await assert.rejects(channelOf('sftp', target(), { username: server.username, password: server.password }).deliver(first.value));
    const visible = readdirSync(server.directory).filter((n) => !n.startsWith('.'));
    assert.deepEqual(visible, [`${assetId}_original.mp4`], 'only the finished file is visible');
    assert.deepEqual(first.saved.at(-1), { placed: [join(server.directory, `${assetId}_original.mp4`)] });
    // the original is in place: the next attempt must not read it again
    const notAgain = { ...memoryFile('original', 'mp4', 'video/mp4', large), open: async () => assert.fail('the checkpointed original was sent again') };
    const second = delivery([notAgain, memoryFile('poster', 'jpg', 'image/jpeg', poster)], first.saved.at(-1));
    const ref = await channelOf('sftp', target(), { username: server.username, password: server.password }).deliver(second.value);
    const contents = await folderContents(server.directory)();
    assert.deepEqual([...contents.keys()].sort(), [`${assetId}.json`, `${assetId}_original.mp4`, `${assetId}_poster.jpg`]);
    assert.equal(contents.get(`${assetId}_original.mp4`), sha(large));
    assert.equal(contents.get(`${assetId}_poster.jpg`), sha(poster));
    await channelOf('sftp', target(), { username: server.username, password: server.password }).retract({ externalId: ref.externalId, ref: ref.ref, idempotencyKey: 'k', signal: new AbortController().signal });
    assert.deepEqual(readdirSync(server.directory).filter((n) => !n.startsWith('.')), []);
  });
});

describe('ftp (vsftpd on loopback)', async () => {
  const available = await requireServer('vsftpd (Debian vsftpd)', async () => { if (!existsSync('/usr/sbin/vsftpd')) throw new Error('/usr/sbin/vsftpd is not installed'); });
  let server: DropServer;
  before(async () => { if (available) server = await startVsftpd(); });
  after(async () => { await server?.stop(); });
  if (!available) return;
  channelContract('ftp', async () => ({ channel: channelOf('ftp', { host: '127.0.0.1', port: server.port, directory: server.directory }, { username: server.username, password: server.password }), contents: folderContents(server.directory), partials: folderPartials(server.directory) }), expectFilesAndSidecar);
});

describe('youtube (a local server written to the resumable upload protocol)', () => {
  let server: YoutubeServer;
  before(async () => { server = await startYoutubeServer(); });
  after(() => server.close());
  const channel = () => channelOf('youtube', youtubeTarget(server), YOUTUBE_CREDENTIALS);
  channelContract('youtube', async () => ({ channel: channel(), contents: async () => new Map([...server.videos].map(([id, v]) => [id, sha(v.bytes)])) }), (delivered) => {
    assert.deepEqual([...delivered.values()], [sha(video)]);
    const [uploaded] = [...server.videos.values()];
    assert.equal(uploaded!.metadata.snippet.title, 'Flood in Valencia');
    assert.equal(uploaded!.metadata.status.privacyStatus, 'unlisted');
    assert.ok(server.chunkPuts >= 3, 'the video went in 256 KiB chunks');
  });

  test('youtube: 5xx answers are retried from where the server is, and a chunk the server took only in part resumes at its Range', async () => {
    server.failNextChunks = 2;
    server.dropAfterBytes = 300 * 1024;
    const queriesBefore = server.statusQueries;
    const ref = await channel().deliver(delivery(files()).value);
    assert.equal(sha(server.videos.get(ref.externalId)!.bytes), sha(video));
    assert.ok(server.statusQueries >= queriesBefore + 2, 'asked where the upload stood after each 5xx');
  });

  test('youtube: after a crash mid-upload the checkpointed session is resumed, not started again', async () => {
    const abort = new AbortController();
    let opened = 0;
    const crashing = [memoryFile('original', 'mp4', 'video/mp4', video, () => { if (++opened === 2) abort.abort(new Error('killed mid-chunk')); })];
    const first = delivery(crashing, {}, abort.signal);
    const sessionsBefore = server.sessions.size;
    await assert.rejects(channel().deliver(first.value));
    const checkpoint = first.saved.at(-1)!;
    assert.ok(checkpoint.sessionUrl);
    const ref = await channel().deliver(delivery(files(), checkpoint).value);
    assert.equal(server.sessions.size, sessionsBefore + 1, 'one session for both attempts');
    assert.equal(sha(server.videos.get(ref.externalId)!.bytes), sha(video));
  });

  test('youtube: a bad refresh token and an asset without video are permanent failures', async () => {
    await assert.rejects(channelOf('youtube', youtubeTarget(server), { ...YOUTUBE_CREDENTIALS, refreshToken: 'revoked' }).deliver(delivery(files()).value), { name: 'PermanentDeliveryError' });
    await assert.rejects(channel().deliver(delivery([memoryFile('poster', 'jpg', 'image/jpeg', poster)]).value), { name: 'PermanentDeliveryError' });
  });
});

describe('the SSRF guard on channel targets (DISTRIBUTE_ALLOW_PRIVATE_NETWORKS off)', () => {
  const guarded = (allowedRanges: string[] = []) => ({ ...OPTIONS, network: { allowPrivateNetworks: false, allowedRanges } });
  const refused = (error: Error) => error.name === 'AddressRefused' && isPermanent(error);
  let receiver: WebhookReceiver;
  let youtube: YoutubeServer;
  before(async () => { [receiver, youtube] = await Promise.all([startWebhookReceiver(), startYoutubeServer()]); });
  after(async () => { await Promise.all([receiver.close(), youtube.close()]); });

  test('webhook: a loopback address is refused, by IP literal and by a name that resolves to it; an allowed range lets it through', async () => {
    const before = receiver.received.length;
    await assert.rejects(channelOf('webhook', { url: receiver.url }, { secret: receiver.secret }, guarded()).deliver(delivery(files()).value), refused);
    const byName = receiver.url.replace('127.0.0.1', 'localhost');
    await assert.rejects(channelOf('webhook', { url: byName }, { secret: receiver.secret }, guarded()).deliver(delivery(files()).value), (error: Error) => refused(error) && /localhost resolves to/.test(error.message));
    assert.equal(receiver.received.length, before, 'nothing reached the receiver');
    const ref = await channelOf('webhook', { url: byName }, { secret: receiver.secret }, guarded(['127.0.0.0/8'])).deliver(delivery(files()).value);
    assert.ok(ref.externalId);
    assert.equal(receiver.received.length, before + 1);
  });

  test('s3: an endpoint on a private address is refused before any request', async () => {
    const channel = channelOf('s3', { endpoint: 'http://10.255.255.1:7480', bucket: 'anything' }, { accessKeyId: 'a', secretAccessKey: 'b' }, guarded());
    await assert.rejects(channel.deliver(delivery(files()).value), refused);
    const byName = channelOf('s3', { endpoint: S3.endpoint.replace('127.0.0.1', 'localhost'), bucket: 'anything' }, { accessKeyId: 'a', secretAccessKey: 'b' }, guarded());
    await assert.rejects(byName.deliver(delivery(files()).value), refused);
  });

  test('youtube: a session URL the server hands out is checked too (the link-local metadata address is refused)', async () => {
    const base = youtube.base;
    youtube.base = base.replace('127.0.0.1', '169.254.169.254');
    try {
      const channel = channelOf('youtube', youtubeTarget({ ...youtube, base }), YOUTUBE_CREDENTIALS, guarded(['127.0.0.1/32']));
      await assert.rejects(channel.deliver(delivery(files()).value), (error: Error) => refused(error) && /169\.254\.169\.254/.test(error.message));
    } finally {
      youtube.base = base;
    }
  });

  test('a channel is refused at creation when its URL names a refused IP literal', () => {
    const network = { allowPrivateNetworks: false, allowedRanges: [] };
    assert.deepEqual(channelProblems('webhook', { url: 'http://127.0.0.1:9/hooks' }, { secret: receiver.secret }, network), ['target.url: refused: 127.0.0.1 resolves to 127.0.0.1, a private or reserved address (DISTRIBUTE_ALLOW_PRIVATE_NETWORKS is off)']);
    assert.deepEqual(channelProblems('webhook', { url: 'https://cms.example/hooks' }, { secret: receiver.secret }, network), []);
    assert.deepEqual(channelProblems('webhook', { url: 'http://127.0.0.1:9/hooks' }, { secret: receiver.secret }, { allowPrivateNetworks: true }), []);
  });
});
