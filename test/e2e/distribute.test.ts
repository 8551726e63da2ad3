// Distribution end to end on the servers (PostgreSQL, NATS JetStream, Ceph RGW) with every channel type against a
// real destination: a webhook receiver verifying signatures with `standardwebhooks`, a second RGW bucket with its
// own user, OpenSSH sshd and vsftpd started here, and a local server written to YouTube's resumable upload protocol
// (the real service is not reachable). A photo and a video are uploaded, processed and approved through the API.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, DeleteBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { deleteStream } from '../../shared/events/jetstream.ts';
import { removeRgwNotifications, uploadNotificationTopic } from '../../shared/storage/rgw-notifications.ts';
import { S3ObjectStore } from '../../shared/storage/s3.ts';
import { Client } from '../support/client.ts';
import { type DropServer, startSshd, startVsftpd } from '../support/drop-servers.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { NATS_URL, POSTGRES_URL, S3, createRgwUser, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.ts';
import { YOUTUBE_CREDENTIALS, type YoutubeServer, startYoutubeServer, youtubeTarget } from '../support/youtube-server.ts';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const sha = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('distribution end to end (servers)', async () => {
  const available = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('NATS', NATS_URL)) && (await requireServer('Ceph RGW', S3.endpoint))
    && (await requireServer('OpenSSH sshd and vsftpd', async () => { for (const p of ['/usr/sbin/sshd', '/usr/sbin/vsftpd']) if (!existsSync(p)) throw new Error(`${p} is not installed`); }));
  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-e2e-distribute-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  let host: Host;
  let admin: Client;
  let webhook: WebhookReceiver;
  let sshd: DropServer;
  let ftpd: DropServer;
  let youtube: YoutubeServer;
  let bucketStore: S3ObjectStore;
  const bucket = `distribute-e2e-${run}`;
  const channels: Record<string, string> = {};
  const photo: { bytes: Buffer; id: string } = { bytes: Buffer.alloc(0), id: '' };
  const video: { bytes: Buffer; id: string } = { bytes: Buffer.alloc(0), id: '' };

  before(async () => {
    if (!available) return;
    webhook = await startWebhookReceiver();
    cleanups.push(() => webhook.close());
    sshd = await startSshd();
    cleanups.push(() => sshd.stop());
    ftpd = await startVsftpd();
    cleanups.push(() => ftpd.stop());
    youtube = await startYoutubeServer();
    cleanups.push(() => youtube.close());
    const credentials = createRgwUser() ?? { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey };
    bucketStore = new S3ObjectStore({ endpoint: S3.endpoint, region: S3.region, ...credentials }, { incoming: bucket, masters: bucket, renditions: bucket, analytics: bucket });
    await (await bucketStore.client()).send(new CreateBucketCommand({ Bucket: bucket }));
    cleanups.push(async () => {
      const client = await bucketStore.client();
      for (const o of (await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []) await bucketStore.delete(bucket, o.Key!);
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    });

    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const stream = `E2E_DIST_${run.toUpperCase()}`;
    host = await startHost(loadConfig({
      MEDIATECA_DATA: dataDir, ENRICH_PARTS: 'none', PORT: '0', DATABASE_URL: database.url, NATS_URL, NATS_STREAM: stream,
      S3_ENDPOINT: S3.endpoint, S3_ACCESS_KEY: S3.accessKeyId, S3_SECRET_KEY: S3.secretAccessKey,
      BUCKET_INCOMING: `mt-${run}-incoming`, BUCKET_MASTERS: `mt-${run}-masters`, BUCKET_RENDITIONS: `mt-${run}-renditions`,
      DISTRIBUTE_POLL_INTERVAL_MS: '200', DISTRIBUTE_ALLOW_PRIVATE_NETWORKS: 'true', CHANNEL_SECRETS_KEY: `e2e:${randomBytes(32).toString('base64')}`,
    }), 0);
    cleanups.push(() => host.stop());
    cleanups.push(async () => {
      const nc = await connect({ servers: NATS_URL });
      await deleteStream(await jetstreamManager(nc), stream).catch(() => {});
      await nc.close();
    });
    cleanups.push(() => emptyAndDeleteBuckets(host.platform.store as S3ObjectStore));
    cleanups.push(() => removeRgwNotifications(S3, { bucket: `mt-${run}-incoming`, topicName: uploadNotificationTopic(`mt-${run}-incoming`) }));
    admin = new Client(host.url, await host.platform.signer!.mint('desk', { newsroom: 'admin' }));

    const twoFiles = ['original', 'preview'];
    const create = async (name: string, type: string, target: unknown, credentials: unknown, renditions = twoFiles) => {
      const answer = await admin.request('POST', '/projects/newsroom/channels', { name, type, target, credentials, renditions, settings: { retryBaseMs: 100, retryMaxMs: 500 } });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      channels[name] = answer.body.id;
    };
    await create('cms', 'webhook', { url: webhook.url }, { secret: webhook.secret });
    await create('archive', 's3', { endpoint: S3.endpoint, region: S3.region, bucket, prefix: 'out' }, credentials);
    await create('playout', 'sftp', { host: '127.0.0.1', port: sshd.port, directory: sshd.directory, hostKeySha256: sshd.hostKeySha256 }, { username: sshd.username, privateKey: sshd.privateKey });
    await create('legacy-playout', 'ftp', { host: '127.0.0.1', port: ftpd.port, directory: ftpd.directory }, { username: ftpd.username, password: ftpd.password });
    await create('youtube', 'youtube', youtubeTarget(youtube), YOUTUBE_CREDENTIALS, ['original']);
    const rule = await admin.request('POST', '/projects/newsroom/distribution-rules', { name: 'breaking photos to the CMS', match: { tags: ['breaking'], mediaTypes: ['image'] }, channelIds: [channels.cms] });
    assert.equal(rule.status, 201);

    photo.bytes = await makeJpegWithExif();
    const clip = join(dataDir, 'clip.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', clip]);
    video.bytes = readFileSync(clip);
    photo.id = (await admin.upload(photo.bytes, 'flood.jpg', 'image/jpeg', { tags: ['breaking'] })).assetId;
    video.id = (await admin.upload(video.bytes, 'flood.mp4', 'video/mp4')).assetId;
    for (const id of [photo.id, video.id]) {
      await admin.waitForAsset(id, (a) => a.state === 'ready' || a.state === 'failed', 120_000);
      for (const to of ['in_review', 'approved']) assert.equal((await admin.request('POST', `/assets/${id}/transitions`, { to })).status, 200);
    }
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.warn('cleanup failed:', error));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const publicationsOf = async (assetId: string) => (await admin.request('GET', `/assets/${assetId}/publications`)).body.publications as any[];
  async function waitForPublications(assetId: string, until: (ps: any[]) => boolean, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    let last: any[] = [];
    while (Date.now() < deadline) {
      last = await publicationsOf(assetId);
      if (until(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`publications never settled: ${JSON.stringify(last.map((p) => [p.channel.name, p.state, p.lastError]))}`);
  }
  const settled = (ps: any[]) => ps.every((p) => ['delivered', 'failed', 'retracted'].includes(p.state));

  if (!available) return;

  test('a rule publishes the approved photo to the CMS by itself', async () => {
    const [publication] = await waitForPublications(photo.id, (ps) => ps.length === 1 && ps[0].state === 'delivered');
    assert.equal(publication.channel.name, 'cms');
    assert.ok(publication.ruleId);
    const hook = webhook.received.find((r) => r.body?.asset?.id === photo.id)!;
    assert.equal(hook.verified, true, 'the photo\'s webhook signature verified with standardwebhooks');
    assert.equal(sha(Buffer.from(await (await fetch(hook.body.files.find((f: any) => f.name === 'original').url)).arrayBuffer())), sha(photo.bytes));
  });

  test('the photo and the video reach all five channel types with the right files; retract removes them', async () => {
    for (const name of ['archive', 'playout', 'legacy-playout']) {
      for (const id of [photo.id, video.id]) assert.equal((await admin.request('POST', `/assets/${id}/publications`, { channelId: channels[name] })).status, 201);
    }
    assert.equal((await admin.request('POST', `/assets/${video.id}/publications`, { channelId: channels.cms })).status, 201);
    assert.equal((await admin.request('POST', `/assets/${video.id}/publications`, { channelId: channels.youtube })).status, 201);
    const photos = await waitForPublications(photo.id, (ps) => ps.length === 4 && settled(ps));
    const videos = await waitForPublications(video.id, (ps) => ps.length === 5 && settled(ps));
    for (const p of [...photos, ...videos]) assert.equal(p.state, 'delivered', `${p.channel.name}: ${p.lastError}`);

    // webhook: signed (verified by standardwebhooks), and its URLs give the original's bytes
    const videoHook = webhook.received.find((r) => r.body?.asset?.id === video.id)!;
    assert.equal(videoHook.verified, true);
    const original = videoHook.body.files.find((f: any) => f.name === 'original');
    assert.equal(sha(Buffer.from(await (await fetch(original.url)).arrayBuffer())), sha(video.bytes));
    // s3, sftp, ftp: originals byte for byte, previews, sidecars
    for (const [id, bytes, ext] of [[photo.id, photo.bytes, 'jpg'], [video.id, video.bytes, 'mp4']] as const) {
      for (const directory of [sshd.directory, ftpd.directory]) {
        assert.equal(sha(readFileSync(join(directory, `${id}_original.${ext}`))), sha(bytes));
        assert.ok(existsSync(join(directory, `${id}_preview.${ext}`)));
        assert.equal(JSON.parse(readFileSync(join(directory, `${id}.json`), 'utf8')).id, id);
      }
      const object = await (await bucketStore.client()).send(new GetObjectCommand({ Bucket: bucket, Key: `out/${id}_original.${ext}` }));
      assert.equal(sha(await object.Body!.transformToByteArray()), sha(bytes));
    }
    // youtube: the original, uploaded through the resumable protocol
    const uploaded = videos.find((p) => p.channel.name === 'youtube');
    assert.equal(sha(youtube.videos.get(uploaded.externalId)!.bytes), sha(video.bytes));

    for (const p of [...photos, ...videos]) assert.equal((await admin.request('DELETE', `/assets/${p.assetId}/publications/${p.id}`)).status, 202);
    await waitForPublications(photo.id, (ps) => ps.every((p) => p.state === 'retracted'));
    await waitForPublications(video.id, (ps) => ps.every((p) => p.state === 'retracted'));
    assert.deepEqual(readdirSync(sshd.directory), []);
    assert.deepEqual(readdirSync(ftpd.directory), []);
    assert.equal(((await (await bucketStore.client()).send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).length, 0);
    assert.equal(youtube.videos.size, 0);
    assert.equal(webhook.published.size, 0);
    const history = (await admin.request('GET', `/assets/${video.id}/history`)).body;
    assert.ok(history.publications.some((e: any) => e.channel === 'youtube' && e.to === 'retracted'));
  });

  test('an embargoed publication is not delivered before its time, and is after', async () => {
    const created = await admin.request('POST', '/projects/newsroom/channels', { name: 'embargo-cms', type: 'webhook', target: { url: webhook.url }, credentials: { secret: webhook.secret } });
    const at = new Date(Date.now() + 6000);
    const requested = await admin.request('POST', `/assets/${video.id}/publications`, { channelId: created.body.id, at: at.toISOString() });
    assert.equal(requested.body.state, 'scheduled');
    const idempotencyKey = `${video.id}.v`;
    const sentForIt = () => webhook.received.filter((r) => r.id.startsWith(idempotencyKey) && r.id.endsWith(created.body.id));
    // several worker polls (200 ms) go by before the embargo ends: still scheduled, nothing sent
    await new Promise((r) => setTimeout(r, 2000));
    if (Date.now() < at.getTime()) {
      const early = (await publicationsOf(video.id)).find((p) => p.channel.id === created.body.id);
      assert.equal(early.state, 'scheduled', 'not delivered before its time');
      assert.equal(sentForIt().length, 0, 'the receiver got nothing before its time');
    }
    const [publication] = await waitForPublications(video.id, (ps) => ps.find((p) => p.channel.id === created.body.id)?.state === 'delivered').then((ps) => ps.filter((p) => p.channel.id === created.body.id));
    assert.ok(new Date(publication.deliveredAt).getTime() >= at.getTime(), 'delivered at or after the embargo');
    assert.equal(sentForIt().length, 1);
    assert.equal(sentForIt()[0]!.verified, true);
  });

  test('a receiver answering 500 is retried, opens the breaker, and recovers when it answers 200 again', async () => {
    const failing = await startWebhookReceiver();
    cleanups.push(() => failing.close());
    failing.mode = 500;
    const created = await admin.request('POST', '/projects/newsroom/channels', { name: 'flaky-cms', type: 'webhook', target: { url: failing.url }, credentials: { secret: failing.secret }, settings: { retryBaseMs: 100, retryMaxMs: 200, breakerThreshold: 3, breakerHalfOpenMs: 1500, maxAttempts: 20 } });
    await admin.request('POST', `/assets/${photo.id}/publications`, { channelId: created.body.id });
    const breaker = async () => (await admin.request('GET', '/projects/newsroom/channels')).body.channels.find((c: any) => c.id === created.body.id).breaker.state;
    for (let i = 0; i < 150 && (await breaker()) !== 'open'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await breaker(), 'open');
    assert.ok(failing.received.length >= 3);
    failing.mode = 'ok';
    const [publication] = (await waitForPublications(photo.id, (ps) => ps.find((p) => p.channel.id === created.body.id)?.state === 'delivered')).filter((p) => p.channel.id === created.body.id);
    assert.ok(publication.attempts >= 4);
    for (let i = 0; i < 50 && (await breaker()) !== 'closed'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await breaker(), 'closed');
  });

  test('a channel that hangs times out while another channel delivers meanwhile', async () => {
    const hanging = await startWebhookReceiver();
    cleanups.push(() => hanging.close());
    hanging.mode = 'hang';
    const slow = await admin.request('POST', '/projects/newsroom/channels', { name: 'hanging-cms', type: 'webhook', target: { url: hanging.url }, credentials: { secret: hanging.secret }, settings: { timeoutMs: 4000, maxAttempts: 1 } });
    const healthy = await admin.request('POST', '/projects/newsroom/channels', { name: 'healthy-cms', type: 'webhook', target: { url: webhook.url }, credentials: { secret: webhook.secret } });
    await admin.request('POST', `/assets/${video.id}/publications`, { channelId: slow.body.id });
    await admin.request('POST', `/assets/${video.id}/publications`, { channelId: healthy.body.id });
    const meanwhile = await waitForPublications(video.id, (ps) => ps.find((p) => p.channel.id === healthy.body.id)?.state === 'delivered');
    assert.ok(['pending', 'delivering'].includes(meanwhile.find((p) => p.channel.id === slow.body.id).state), 'the hanging one was still out');
    const [timedOut] = (await waitForPublications(video.id, (ps) => ps.find((p) => p.channel.id === slow.body.id)?.state === 'failed')).filter((p) => p.channel.id === slow.body.id);
    assert.match(timedOut.lastError, /timed out after 4000 ms/);
  });

  test('rights expiry retracts the asset\'s publications through the event bus: a delivered one removed, a scheduled one never sent', async () => {
    const [out, later] = [await startWebhookReceiver(), await startWebhookReceiver()];
    cleanups.push(() => out.close(), () => later.close());
    const create = async (name: string, receiver: WebhookReceiver) => (await admin.request('POST', '/projects/newsroom/channels', { name, type: 'webhook', target: { url: receiver.url }, credentials: { secret: receiver.secret } })).body.id as string;
    const [outId, laterId] = [await create('rights-cms', out), await create('rights-later-cms', later)];
    assert.equal((await admin.request('POST', `/assets/${photo.id}/publications`, { channelId: outId })).status, 201);
    assert.equal((await admin.request('POST', `/assets/${photo.id}/publications`, { channelId: laterId, at: new Date(Date.now() + 3600_000).toISOString() })).status, 201);
    await waitForPublications(photo.id, (ps) => ps.find((p) => p.channel.id === outId)?.state === 'delivered');
    assert.equal(out.published.size, 1);

    const edited = await admin.request('PATCH', `/assets/${photo.id}`, { fields: { rightsExpiry: '2020-01-01' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    const retracted = await waitForPublications(photo.id, (ps) => ps.every((p) => p.state === 'retracted' || p.state === 'failed'));
    for (const id of [outId, laterId]) assert.equal(retracted.find((p) => p.channel.id === id).state, 'retracted');
    assert.equal(out.published.size, 0, 'removed from the channel it had reached');
    assert.equal(later.received.length, 0, 'the scheduled one was never sent');
    const history = (await admin.request('GET', `/assets/${photo.id}/history`)).body;
    assert.ok(history.publications.some((e: any) => e.channel === 'rights-later-cms' && e.to === 'retracted' && e.reason === 'rights expired'), JSON.stringify(history.publications.slice(-3)));
  });
});
