// Enrichment end to end on the embedded default, driven as a client: real photos (the ones shipped inside
// @vladmandic/human), text rendered into a picture, a video with three scenes and spoken English, and a tiny
// CLIP model the test writes (no real weights can be downloaded here). Every model is the real one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { Client } from '../support/client.ts';
import { CLIP_DIMENSION, createTinyModels, type TinyModels } from '../support/onnx-models.ts';
import { requireServer } from '../support/servers.ts';
import { humanSample, renderScene } from '../support/vision-fixtures.ts';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-e2e-enrich-'));

const hasTesseract = await requireServer('tesseract with spa+eng (Debian tesseract-ocr, tesseract-ocr-spa, tesseract-ocr-eng)', async () => {
  const { stdout } = await run('tesseract', ['--list-langs']);
  if (!/\bspa\b/.test(stdout) || !/\beng\b/.test(stdout)) throw new Error('spa or eng language data missing');
});
const hasSpeech = await requireServer('pocketsphinx and espeak-ng (Debian pocketsphinx, pocketsphinx-en-us, espeak-ng)', async () => {
  await run('sh', ['-c', 'command -v pocketsphinx_continuous && command -v espeak-ng']);
});

describe('enrichment end to end (embedded)', () => {
  let host: Host;
  let models: TinyModels;
  let editor: Client;

  before(async () => {
    models = await createTinyModels();
    const config = loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', NODE_ENV: 'test', MODELS_DIR: models.dir, SEARCH_EMBEDDING_DIMENSIONS: String(CLIP_DIMENSION) });
    host = await startHost(config, 0);
    editor = new Client(host.url, await host.platform.signer!.mint('editor-1', { newsroom: 'editor' }));
  });

  after(async () => {
    await host?.stop();
    await models?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Uploads and waits until enrich has recorded its outcome in the asset's history. */
  async function uploadAndEnrich(bytes: Buffer, filename: string, contentType: string, extra: Record<string, unknown> = {}) {
    const { assetId } = await editor.upload(bytes, filename, contentType, extra);
    await editor.waitForAsset(assetId, (a) => a.state === 'failed' || Boolean(a.metadata?.ai?.parts), 240_000);
    const asset = (await editor.request('GET', `/assets/${assetId}`)).body;
    assert.equal(asset.state, 'ready', asset.stateReason);
    return asset;
  }

  const ids = (result: any) => result.hits.map((hit: any) => hit.assetId);

  let photo: any;

  test('a photo of people gets object labels (suggestions), faces with people, an embedding; searchable in Spanish and English', async () => {
    photo = await uploadAndEnrich(await readFile(humanSample('samples.jpg')), 'muestras.jpg', 'image/jpeg', { title: 'Muestras' });
    const parts = photo.metadata.ai.parts;
    assert.equal(parts.objects.status, 'done', parts.objects.reason);
    assert.equal(parts.faces.status, 'done', parts.faces.reason);
    assert.equal(parts.embedding.status, 'done', parts.embedding.reason);
    assert.equal(parts.speech.status, 'skipped', 'a photo has no sound');

    const person = photo.ai.labels.find((l: any) => l.label === 'person');
    assert.ok(person, `labels: ${photo.ai.labels.map((l: any) => l.label).join(', ')}`);
    assert.equal(person.labelEs, 'persona');
    assert.equal(person.status, 'suggested');
    assert.ok(person.confidence > 0.3 && person.confidence <= 1);
    for (const { box } of person.detections) assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 1.0001 && box.y + box.height <= 1.0001);
    assert.ok(photo.ai.faces.length >= 2, `faces: ${photo.ai.faces.length}`);
    assert.ok(photo.ai.faces.every((f: any) => typeof f.personId === 'string' && f.name === null));

    for (const q of ['persona', 'person', 'PERSONAS']) {
      const found = await editor.waitForSearch(`q=${q}`, (r) => ids(r).includes(photo.id));
      assert.ok(found.facets.labels.some((f: any) => f.value === 'person'), 'labels facet');
    }
    const history = (await editor.request('GET', `/assets/${photo.id}/history`)).body.events;
    assert.equal(history.at(-1).type, 'enriched');
  });

  test('a rejected label leaves search and survives enrichment running again; accepting brings it back', async () => {
    const rejected = await editor.request('PUT', `/assets/${photo.id}/labels/person`, { status: 'rejected' });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    assert.equal(rejected.body.status, 'rejected');
    assert.equal(rejected.body.decidedBy, 'editor-1');
    await editor.waitForSearch('q=persona', (r) => !ids(r).includes(photo.id));

    const admin = new Client(host.url, await host.platform.signer!.mint('admin-1', { newsroom: 'admin' }));
    assert.equal((await admin.request('POST', `/assets/${photo.id}/reprocess`)).status, 202);
    const enrichedBefore = (await editor.request('GET', `/assets/${photo.id}/history`)).body.events.filter((e: any) => e.type === 'enriched').length;
    const deadline = Date.now() + 240_000;
    while ((await editor.request('GET', `/assets/${photo.id}/history`)).body.events.filter((e: any) => e.type === 'enriched').length === enrichedBefore) {
      assert.ok(Date.now() < deadline, 'enrichment ran again after reprocess');
      await new Promise((r) => setTimeout(r, 200));
    }
    const afterwards = (await editor.request('GET', `/assets/${photo.id}`)).body;
    assert.equal(afterwards.ai.labels.find((l: any) => l.label === 'person').status, 'rejected');
    assert.equal(afterwards.ai.faces.length, photo.ai.faces.length, 'faces replaced, not added twice');

    assert.equal((await editor.request('PUT', `/assets/${photo.id}/labels/person`, { status: 'accepted' })).body.status, 'accepted');
    await editor.waitForSearch('q=persona', (r) => ids(r).includes(photo.id));

    assert.equal((await editor.request('PUT', `/assets/${photo.id}/labels/giraffe`, { status: 'accepted' })).status, 404);
    assert.equal((await editor.request('PUT', `/assets/${photo.id}/labels/person`, { status: 'maybe' })).status, 400);
    const viewer = new Client(host.url, await host.platform.signer!.mint('viewer-1', { newsroom: 'viewer' }));
    assert.equal((await viewer.request('PUT', `/assets/${photo.id}/labels/person`, { status: 'rejected' })).status, 403);
  });

  test('the same face in two photos is one person; naming them once finds both by name and by person filter', async () => {
    const portrait = await readFile(humanSample('screenshot-faceid.jpg'));
    const first = await uploadAndEnrich(portrait, 'retrato.jpg', 'image/jpeg');
    const { width, height } = await sharp(portrait).metadata();
    // the same photo, resized and cropped a little: a different file, the same person
    const variant = await sharp(portrait).extract({ left: 8, top: 8, width: width! - 16, height: height! - 16 }).resize(Math.round(width! * 0.8)).jpeg({ quality: 85 }).toBuffer();
    const second = await uploadAndEnrich(variant, 'retrato-recorte.jpg', 'image/jpeg');
    assert.ok(first.ai.faces.length >= 1 && second.ai.faces.length >= 1);
    const personId = first.ai.faces[0].personId;
    assert.equal(second.ai.faces[0].personId, personId, 'clustered as one person');

    const persons = (await editor.request('GET', '/persons?projectId=newsroom')).body.persons;
    assert.ok(persons.find((p: any) => p.id === personId)?.faceCount >= 2);

    const named = await editor.request('PATCH', `/persons/${personId}`, { name: 'Ana García' });
    assert.equal(named.status, 200, JSON.stringify(named.body));
    const byName = await editor.waitForSearch('q=garcia', (r) => ids(r).includes(first.id) && ids(r).includes(second.id));
    assert.ok(byName.total >= 2);
    const byPerson = await editor.waitForSearch(`person=${personId}`, (r) => r.total === 2);
    assert.deepEqual(new Set(ids(byPerson)), new Set([first.id, second.id]));
    assert.equal((await editor.request('GET', `/assets/${first.id}`)).body.ai.faces[0].name, 'Ana García');

    assert.equal((await editor.request('PATCH', `/persons/${personId}`, { name: '  ' })).status, 400);
    assert.equal((await editor.request('GET', '/persons/00000000-0000-4000-8000-000000000000')).status, 404);
    const outsider = new Client(host.url, await host.platform.signer!.mint('outsider', { sports: 'admin' }));
    assert.equal((await outsider.request('GET', `/persons/${personId}`)).status, 404, 'another project’s person is not found');
    assert.equal((await outsider.request('GET', '/persons')).body.persons.length, 0);

    // Deleting an asset takes its faces out of their person; a person with no face left is not listed.
    const faceCount = async () => (await editor.request('GET', '/persons?projectId=newsroom')).body.persons.find((p: any) => p.id === personId)?.faceCount;
    const before = await faceCount();
    assert.equal((await editor.request('DELETE', `/assets/${second.id}`)).status, 204);
    assert.equal(await faceCount(), before - second.ai.faces.filter((f: any) => f.personId === personId).length);
    assert.equal((await editor.request('DELETE', `/assets/${first.id}`)).status, 204);
    assert.equal(await faceCount(), undefined, 'no faces left: not listed');
    assert.equal((await editor.request('GET', `/persons/${personId}`)).body.faceCount, 0, 'the named person is kept, with no faces');
  });

  test('text in a picture is read (Spanish accents kept) and found by search', { skip: !hasTesseract }, async () => {
    const scene = await uploadAndEnrich(await renderScene('Canción del árbol', 'Breaking news: Elecciones 2026'), 'rotulo.jpg', 'image/jpeg');
    assert.equal(scene.metadata.ai.parts.ocr.status, 'done', scene.metadata.ai.parts.ocr.reason);
    assert.match(scene.metadata.ai.ocr.text, /Canción del árbol/);
    assert.match(scene.metadata.ai.ocr.text, /Elecciones 2026/);
    await editor.waitForSearch('q=cancion arbol', (r) => ids(r).includes(scene.id));
    await editor.waitForSearch('q=elecciones', (r) => ids(r).includes(scene.id));
  });

  test('semantic and "more like this" rank by the CLIP embedding; the response says vectors were used', async () => {
    const solid = (r: number, g: number, b: number) => sharp({ create: { width: 640, height: 480, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();
    const red = await uploadAndEnrich(await solid(220, 20, 20), 'rojo.jpg', 'image/jpeg');
    const darkRed = await uploadAndEnrich(await solid(160, 30, 25), 'granate.jpg', 'image/jpeg');
    const blue = await uploadAndEnrich(await solid(20, 20, 220), 'azul.jpg', 'image/jpeg');

    const similar = (await editor.request('GET', `/search?moreLike=${red.id}&limit=50`)).body;
    assert.equal(similar.semantic.available, true, JSON.stringify(similar.semantic));
    const order = ids(similar);
    assert.ok(!order.includes(red.id), 'never the asset itself');
    assert.ok(order.indexOf(darkRed.id) < order.indexOf(blue.id), 'the other red photo is nearer than the blue one');

    const semantic = (await editor.request('GET', '/search?q=photo&mode=semantic')).body;
    assert.equal(semantic.semantic.available, true, JSON.stringify(semantic.semantic));
    assert.ok(semantic.hits.length > 0);
  });

  test('a video: key frames at the scene changes, speech transcribed with timestamps, found by a spoken word', { skip: !hasSpeech }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mediateca-enrich-video-'));
    try {
      const speech = join(dir, 'speech.wav');
      // espeak-ng's Klatt voice: pocketsphinx 0.8 recognises little of its default voice (see pocketsphinx.test.ts)
      await run('espeak-ng', ['-v', 'en-us+klatt', '-w', speech, 'The lighthouse keeper saw a red boat near the harbor. The children played football in the park.']);
      const video = join(dir, 'clip.mp4');
      await run('ffmpeg', [
        '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25:duration=3', '-f', 'lavfi', '-i', 'color=c=red:size=640x360:rate=25:duration=3',
        '-f', 'lavfi', '-i', 'smptebars=size=640x360:rate=25:duration=3', '-i', speech,
        '-filter_complex', '[0][1][2]concat=n=3:v=1[v];[3]apad[a]', '-map', '[v]', '-map', '[a]', '-t', '9', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', video,
      ]);
      const clip = await uploadAndEnrich(await readFile(video), 'faro.mp4', 'video/mp4');
      const ai = clip.metadata.ai;
      assert.deepEqual(ai.keyframes, [0, 3, 6], 'first frame plus each scene change');
      assert.equal(ai.parts.speech.status, 'done', ai.parts.speech.reason);
      const transcript = ai.transcript;
      assert.ok(transcript.segments.length > 0);
      for (const segment of transcript.segments) assert.ok(segment.start >= 0 && segment.end >= segment.start && segment.end <= 9.5);
      const spoken = ['lighthouse', 'keeper', 'red', 'boat', 'harbor', 'children', 'played', 'football', 'park'].filter((word) => transcript.text.toLowerCase().includes(word));
      assert.ok(spoken.length >= 1, `transcript: ${transcript.text}`);
      await editor.waitForSearch(`q=${spoken[0]}`, (r) => ids(r).includes(clip.id));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
