// kill -9 of distribute-worker mid-delivery: a real worker process (functions/distribute-worker/main.ts) is killed
// while it uploads a large original over SFTP (OpenSSH sshd on loopback) and sends YouTube chunks (the local
// protocol server); a new worker takes the publications over when their lease runs out, resumes from the
// checkpoints and delivers each once: no half file ever visible, one YouTube upload session, the right bytes.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../shared/config.ts';
import { createChannel } from '../../shared/db/distribution.ts';
import { publish } from '../../shared/distribution/publish.ts';
import { secretBoxOf } from '../../shared/distribution/secrets.ts';
import { DistributionWorker } from '../../shared/distribution/worker.ts';
import { createPlatform } from '../../shared/platform.ts';
import { type DropServer, startSshd } from '../support/drop-servers.ts';
import { seedAsset } from '../support/seed-assets.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';
import { YOUTUBE_CREDENTIALS, startYoutubeServer, youtubeTarget } from '../support/youtube-server.ts';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a worker killed mid-delivery', async () => {
  const available = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('OpenSSH sshd', async () => { if (!existsSync('/usr/sbin/sshd')) throw new Error('/usr/sbin/sshd is not installed'); }));
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => { for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.warn('cleanup failed:', error)); });
  if (!available) return;

  test('resumes from its checkpoints and delivers once over SFTP and YouTube', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-crash-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const env = { MEDIATECA_DATA: dataDir, DATABASE_URL: database.url, DISTRIBUTE_ALLOW_PRIVATE_NETWORKS: 'true', DISTRIBUTE_LEASE_SECONDS: '3', DISTRIBUTE_POLL_INTERVAL_MS: '100', LOG_LEVEL: 'error', PORT: '0' };
    const platform = await createPlatform({ name: 'crash-test', config: loadConfig(env) });
    cleanups.push(() => platform.close());
    await platform.store.ensureBuckets();
    const sshd: DropServer = await startSshd();
    cleanups.push(() => sshd.stop());
    const youtube = await startYoutubeServer();
    cleanups.push(() => youtube.close());

    const original = randomBytes(48 * 1024 * 1024);
    const asset = await seedAsset(platform, { state: 'ready', editorialState: 'approved' });
    await platform.db.updateTable('assets').set({ content_type: 'video/mp4', size_bytes: original.length }).where('id', '=', asset.id).execute();
    await platform.store.put(platform.config.buckets.masters, asset.storage_key, original, 'video/mp4');
    const secrets = secretBoxOf(platform.config);
    const channel = async (name: string, type: string, target: unknown, credentials: unknown) =>
      (await createChannel(platform.db, { id: randomUUID(), project_id: 'newsroom', name, type, target: target as Record<string, unknown>, credentials: secrets.encrypt(credentials), renditions: ['original'], settings: {} }))!;
    const sftp = await channel('playout', 'sftp', { host: '127.0.0.1', port: sshd.port, directory: sshd.directory }, { username: sshd.username, password: sshd.password });
    const yt = await channel('youtube', 'youtube', youtubeTarget(youtube, 1024 * 1024), YOUTUBE_CREDENTIALS);
    const current = (await platform.db.selectFrom('assets').selectAll().where('id', '=', asset.id).executeTakeFirstOrThrow());
    for (const c of [sftp, yt]) await publish(platform.db, current, c, { actor: 'test', now: new Date() });

    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'functions/distribute-worker/main.ts'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    cleanups.push(async () => { child.kill('SIGKILL'); });
    const partial = () => readdirSync(sshd.directory).some((n) => n.endsWith('.part') && statSync(join(sshd.directory, n)).size > 0);
    for (let i = 0; i < 600 && !(partial() && youtube.chunkPuts >= 2); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(partial() && youtube.chunkPuts >= 2, 'the worker was mid-upload on both channels');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const sessionsAtCrash = youtube.sessions.size;
    const finalName = `${asset.id}_original.bin`; // the extension of the stored key (seeded as original.bin)
    const visible = readdirSync(sshd.directory).filter((n) => !n.startsWith('.'));
    for (const name of visible) assert.ok([finalName, `${asset.id}.json`].includes(name), `only finished files are visible: ${name}`);
    if (visible.includes(finalName)) assert.equal(statSync(join(sshd.directory, finalName)).size, original.length, 'the visible original is whole');
    const states = await platform.db.selectFrom('publications').select(['state', 'checkpoint']).where('asset_id', '=', asset.id).execute();
    // a channel may have finished in the instant before the kill (SFTP on loopback is fast); at least one was cut off
    for (const { state } of states) assert.ok(['delivering', 'delivered'].includes(state), state);
    assert.ok(states.some((s) => s.state === 'delivering'), 'a delivery was cut off mid-upload');

    const worker = new DistributionWorker(platform, secrets).start();
    cleanups.push(() => worker.stop());
    for (let i = 0; i < 1200; i++) {
      const rows = await platform.db.selectFrom('publications').select('state').where('asset_id', '=', asset.id).execute();
      if (rows.every((r) => r.state === 'delivered' || r.state === 'failed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const settled = await platform.db.selectFrom('publications').select(['state', 'last_error', 'external_id', 'channel_id']).where('asset_id', '=', asset.id).execute();
    for (const p of settled) assert.equal(p.state, 'delivered', p.last_error ?? '');
    assert.equal(sha(readFileSync(join(sshd.directory, finalName))), sha(original));
    assert.deepEqual(readdirSync(sshd.directory).sort(), [`${asset.id}.json`, finalName].sort(), 'no temporary file left, one copy');
    assert.equal(youtube.sessions.size, sessionsAtCrash, 'the upload went on in the same session');
    assert.equal(youtube.videos.size, 1);
    const videoId = settled.find((p) => p.channel_id === yt.id)!.external_id!;
    assert.equal(sha(youtube.videos.get(videoId)!.bytes), sha(original));
  });
});
