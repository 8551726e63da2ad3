// Embedded metadata end to end at function level: an agency JPEG's XMP fills the asset's fields when transcode
// ingests it, an editor changes them, and GET /assets/:id/original?embed=xmp gives a copy carrying the current
// metadata that an independent reader (exifr) reads back; the stored master is never modified.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import exifr from 'exifr';
import { findAsset } from '../../shared/db/assets.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { makeJpegWithXmp } from '../../test/support/images.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { createApp as createTranscode } from '../transcode/index.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: ReturnType<typeof createApp>;
let token: string;

before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
  token = await platform.signer!.mint('eli', { newsroom: 'admin' });
});
after(() => platform.dispose());

const call = async (method: string, path: string, body?: unknown) => {
  const response = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return response;
};

/** An uploaded asset whose master is this file, as upload-complete leaves it (verified, not yet transcoded). */
async function uploadedPhoto(file: Buffer) {
  const seeded = await seedAsset(platform, { state: 'uploaded', editorialState: 'draft' });
  const sha256 = createHash('sha256').update(file).digest('hex');
  await platform.db.updateTable('assets').set({ content_type: 'image/jpeg', filename: 'IMG_0042.jpg', title: 'IMG_0042', sha256, size_bytes: file.length }).where('id', '=', seeded.id).execute();
  await platform.store.put(platform.store.buckets.masters, seeded.storage_key, file, 'image/jpeg', file.length);
  return (await findAsset(platform.db, seeded.id))!;
}

test('ingest fills the fields from XMP; an edit is written back into a copy of the original; the master stays as stored', async () => {
  await call('PUT', '/projects/newsroom/schema', { fields: [{ name: 'section', type: 'enum', options: ['politics', 'sport'], default: 'politics' }] });
  const file = await makeJpegWithXmp({ width: 160, height: 120 });
  const asset = await uploadedPhoto(file);
  const uploaded = newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version: asset.version, mediaType: 'image', contentType: 'image/jpeg', sha256: asset.sha256!, size: file.length }, asset.id);
  const delivered = await deliverToFunction((request) => createTranscode(platform).fetch(request), uploaded, platform.eventsSecret);
  assert.equal(delivered.outcome, 'ack', delivered.reason);

  const ingested = await (await call('GET', `/assets/${asset.id}`)).json();
  assert.equal(ingested.state, 'ready');
  assert.equal(ingested.title, 'Pleno del Congreso', 'the headline replaces the filename stem');
  assert.equal(ingested.description, 'Los diputados votan los presupuestos');
  assert.deepEqual(ingested.tags, ['congreso', 'presupuestos']);
  assert.deepEqual(ingested.fields, { section: 'politics', creator: 'Ana Gómez', credit: 'EFE', copyright: '© EFE 2026', usageTerms: 'Solo uso editorial', location: 'Madrid, España' });
  const history = (await (await call('GET', `/assets/${asset.id}/history`)).json()).events;
  assert.ok(history.some((e: { type: string; actor: string }) => e.type === 'metadata-embedded' && e.actor === 'transcode'));

  const edited = await call('PATCH', `/assets/${asset.id}`, { title: 'Pleno: votación final', fields: { credit: 'EFE / Ana Gómez', section: 'sport', license: 'rights-managed' } });
  assert.equal(edited.status, 200);

  const download = await call('GET', `/assets/${asset.id}/original?embed=xmp`);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'image/jpeg');
  assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename\*=UTF-8''IMG_0042\.jpg/);
  const copy = Buffer.from(await download.arrayBuffer());
  const read = await exifr.parse(copy, { xmp: true, mergeOutput: false });
  assert.equal(read.photoshop.Headline, 'Pleno: votación final');
  assert.equal(read.photoshop.Credit, 'EFE / Ana Gómez');
  assert.deepEqual(read.dc.subject, ['congreso', 'presupuestos']);
  assert.equal(read.mediateca.section, 'sport');
  assert.equal(read.mediateca.license, 'rights-managed');

  const chunks: Buffer[] = [];
  for await (const chunk of await platform.store.getStream(platform.store.buckets.masters, asset.storage_key)) chunks.push(chunk as Buffer);
  assert.ok(Buffer.concat(chunks).equals(file), 'the stored master is untouched');

  const plain = await call('GET', `/assets/${asset.id}/original`);
  assert.equal(plain.status, 302, 'without embed: the presigned original');
  assert.equal((await call('GET', `/assets/${asset.id}/original?embed=iptc`)).status, 400);
});

test('formats that cannot take XMP here, and assets without a verified original, are refused with the reason', async () => {
  const video = await seedAsset(platform, { mediaType: 'video' });
  const refused = await call('GET', `/assets/${video.id}/original?embed=xmp`);
  assert.equal(refused.status, 422);
  assert.match((await refused.json()).detail, /JPEG, PNG, TIFF and MP4 originals; this one is video\/x-test/);
  const uploading = await seedAsset(platform, { state: 'uploading' });
  assert.equal((await call('GET', `/assets/${uploading.id}/original?embed=xmp`)).status, 409);
});

/** A master of this content type, as upload-complete leaves it, then rendered (ready). */
async function readyMaster(file: Buffer, contentType: string, filename: string) {
  const seeded = await seedAsset(platform, { mediaType: contentType.startsWith('video/') ? 'video' : 'image', editorialState: 'draft' });
  const sha256 = createHash('sha256').update(file).digest('hex');
  await platform.db.updateTable('assets').set({ content_type: contentType, filename, sha256, size_bytes: file.length }).where('id', '=', seeded.id).execute();
  await platform.store.put(platform.store.buckets.masters, seeded.storage_key, file, contentType, file.length);
  return (await findAsset(platform.db, seeded.id))!;
}

/** A small file ffmpeg makes: a one-frame TIFF, or a one-second MP4. */
async function generated(kind: 'tiff' | 'mp4'): Promise<Buffer> {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'embed-test-'));
  try {
    const out = join(dir, `file.${kind}`);
    const args = kind === 'tiff' ? ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=1', '-frames:v', '1', out] : ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-t', '1', '-pix_fmt', 'yuv420p', out];
    await promisify(execFile)('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What ExifTool (an independent reader) finds in a file's XMP, by group:tag. */
async function exiftoolXmp(file: Buffer): Promise<Record<string, unknown>> {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'embed-read-'));
  try {
    await writeFile(join(dir, 'file'), file);
    const { stdout } = await promisify(execFile)('exiftool', ['-json', '-G1', '-XMP:all', join(dir, 'file')]);
    return JSON.parse(stdout)[0];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [kind, contentType] of [['tiff', 'image/tiff'], ['mp4', 'video/mp4']] as const) {
  test(`a ${kind.toUpperCase()} original: the current metadata written into a copy by ExifTool, read back by ExifTool${kind === 'tiff' ? ' and exifr' : ''}; the master stays as stored`, async () => {
    const file = await generated(kind);
    const asset = await readyMaster(file, contentType, `pleno.${kind}`);
    const edited = await call('PATCH', `/assets/${asset.id}`, { title: `Pleno ${kind}`, tags: ['congreso', 'votación'], fields: { credit: 'EFE / Ana Gómez', copyright: '© EFE 2026', section: 'sport' } });
    assert.equal(edited.status, 200, await edited.clone().text());
    const download = await call('GET', `/assets/${asset.id}/original?embed=xmp`);
    assert.equal(download.status, 200, await download.clone().text());
    assert.equal(download.headers.get('content-type'), contentType);
    const copy = Buffer.from(await download.arrayBuffer());
    const read = await exiftoolXmp(copy);
    assert.equal(read['XMP-dc:Title'], `Pleno ${kind}`);
    assert.equal(read['XMP-photoshop:Headline'], `Pleno ${kind}`);
    assert.equal(read['XMP-photoshop:Credit'], 'EFE / Ana Gómez');
    assert.equal(read['XMP-dc:Rights'], '© EFE 2026');
    assert.deepEqual(read['XMP-dc:Subject'], ['congreso', 'votación']);
    assert.equal(read['XMP-mediateca:Section'], 'sport');
    if (kind === 'tiff') {
      const parsed = await exifr.parse(copy, { xmp: true, mergeOutput: false });
      assert.equal(parsed.photoshop.Credit, 'EFE / Ana Gómez');
      assert.equal(parsed.mediateca.section, 'sport');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await platform.store.getStream(platform.store.buckets.masters, asset.storage_key)) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(file), 'the stored master is untouched');
    assert.equal(Object.keys(await exiftoolXmp(file)).filter((key) => key.startsWith('XMP-')).length, 0, 'the original had no XMP');
  });
}

test('a file ExifTool cannot read as its declared format is refused with the reason (422)', async () => {
  const asset = await readyMaster(Buffer.from('not a tiff at all'), 'image/tiff', 'broken.tif');
  const refused = await call('GET', `/assets/${asset.id}/original?embed=xmp`);
  assert.equal(refused.status, 422);
  assert.match((await refused.json()).detail, /could not take the metadata/);
});
