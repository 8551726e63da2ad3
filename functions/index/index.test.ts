import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { changeAsset, createUploadingAsset, putRendition } from '../../shared/db/assets.ts';
import { saveLabels } from '../../shared/db/enrichment.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import type { SearchDocument } from '../../shared/search/search-index.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp, withAiFields } from './index.ts';

const base: SearchDocument = {
  assetId: '6f1c0e36-2f33-4a7e-9a59-2f0b8d1f6a11', projectId: 'newsroom', mediaType: 'image', state: 'ready', title: 'Pleno',
  description: '', tags: [], filename: 'pleno.jpg', createdAt: new Date('2026-01-01T00:00:00Z'), fields: { make: 'Canon' },
};

describe('withAiFields', () => {
  test('labels an editor has not rejected, in English and Spanish', () => {
    const doc = withAiFields(base, {}, [{ label: 'dog', status: 'suggested' }, { label: 'car', status: 'accepted' }, { label: 'cat', status: 'rejected' }], []);
    assert.deepEqual(doc.labels, ['dog', 'perro', 'car', 'coche']);
    assert.match(doc.fields.labelAliases!, /cachorro/, 'synonyms are searchable text');
    assert.doesNotMatch(doc.fields.labelAliases!, /gatito|kitten/, 'not those of a rejected label');
  });

  test('the model\'s confidence per label, in both languages; a label an editor accepted counts as certain', () => {
    const labels = [{ label: 'kite', status: 'suggested', confidence: 0.2 }, { label: 'dog', status: 'accepted', confidence: 0.3 }, { label: 'cat', status: 'rejected', confidence: 0.9 }];
    const doc = withAiFields(base, {}, labels, []);
    assert.deepEqual(doc.labelConfidence, { kite: 0.2, cometa: 0.2, dog: 1, perro: 1 });
    assert.equal(withAiFields(base, {}, [], []).labelConfidence, undefined, 'no labels, no confidences');
  });

  test('people by id, and by name once named, without repeats', () => {
    const faces = [{ personId: 'a', name: 'Ana García' }, { personId: 'a', name: 'Ana García' }, { personId: 'b', name: null }];
    const doc = withAiFields(base, {}, [], faces);
    assert.deepEqual(doc.personIds, ['a', 'b']);
    assert.deepEqual(doc.fields, { make: 'Canon', people: 'Ana García' });
    assert.deepEqual(withAiFields(base, {}, [], [{ personId: 'b', name: null }]).fields, { make: 'Canon' });
  });

  test('OCR text, transcript and embedding when enrich found them; nothing invented otherwise', () => {
    const doc = withAiFields(base, { ocr: { text: 'Elecciones 2026' }, transcript: { text: 'buenos días' } }, [], [], [0.6, 0.8]);
    assert.equal(doc.ocrText, 'Elecciones 2026');
    assert.equal(doc.transcript, 'buenos días');
    assert.deepEqual(doc.embedding, [0.6, 0.8]);
    const bare = withAiFields(base, {}, [], []);
    assert.equal(bare.ocrText, undefined);
    assert.equal(bare.transcript, undefined);
    assert.equal(bare.embedding, undefined);
    assert.deepEqual(bare.labels, []);
  });
});

/** A ready asset in project newsroom (or one still in `until`), and its asset.rendered event. */
async function readyAsset(platform: Awaited<ReturnType<typeof createTestPlatform>>, title = 'Pleno', until: 'ready' | 'processing' = 'ready') {
  const assetId = randomUUID();
  let asset = await createUploadingAsset(platform.db, {
    id: assetId, project_id: 'newsroom', media_type: until === 'ready' ? 'image' : 'video', title, description: '', tags: [], filename: 'pleno.jpg', content_type: until === 'ready' ? 'image/jpeg' : 'video/mp4',
    size_bytes: 3, expected_sha256: null, sha256: 'ab', storage_key: 'newsroom/x/original.jpg', duplicate_of: null, state_reason: null, progress: null, owner: 'tester',
  }, { id: randomUUID(), bucket: 'incoming', storage_key: `newsroom/${assetId}/original.jpg`, multipart_upload_id: null, part_size: null, part_count: null, expires_at: new Date(Date.now() + 60_000) });
  for (const state of ['uploaded', until] as const) asset = await changeAsset(platform.db, asset, { expectedVersion: asset.version, set: { state }, history: { type: state, actor: 'test' } });
  const event = newEvent('io.mediateca.asset.rendered', EVENT_SOURCE, { assetId, projectId: 'newsroom', version: asset.version, renditions: [] }, assetId);
  return { assetId, event, asset };
}

describe('index events', () => {
  test('the model\'s label confidence reaches the index: a label it is unsure of ranks below a sure one', async () => {
    const platform = await createTestPlatform();
    try {
      const unsure = await readyAsset(platform, 'Parque');
      const sure = await readyAsset(platform, 'Parque');
      const box = { x: 0, y: 0, width: 1, height: 1 };
      await saveLabels(platform.db, unsure.assetId, 'test', [{ label: 'kite', confidence: 0.21, detections: [{ box, confidence: 0.21 }] }]);
      await saveLabels(platform.db, sure.assetId, 'test', [{ label: 'kite', confidence: 0.92, detections: [{ box, confidence: 0.92 }] }]);
      for (const { event } of [unsure, sure]) {
        const result = await deliverToFunction((request) => createApp(platform).fetch(request), event, platform.eventsSecret);
        assert.equal(result.outcome, 'ack', result.reason);
      }
      const found = await platform.search.search({ q: 'cometa', projectIds: ['newsroom'], filters: {}, facets: [], limit: 10 });
      assert.deepEqual(found.hits.map((hit) => hit.assetId), [sure.assetId, unsure.assetId]);
      assert.ok(found.hits[0]!.score > found.hits[1]!.score, 'the sure label scores higher');
      assert.ok(Math.abs(found.hits[1]!.document.labelConfidence!.kite! - 0.21) < 1e-6, 'the document carries the confidence (a real)');
    } finally {
      await platform.dispose();
    }
  });

  test('the projection and the event\'s idempotency record commit in one transaction', async () => {
    const platform = await createTestPlatform();
    try {
      const { assetId, event } = await readyAsset(platform);
      const result = await deliverToFunction((request) => createApp(platform).fetch(request), event, platform.eventsSecret);
      assert.equal(result.outcome, 'ack', result.reason);
      // xmin is the id of the transaction that wrote the row: one id, one transaction
      const document = await sql<{ xmin: string }>`select xmin::text from search_documents where asset_id = ${assetId}`.execute(platform.db);
      const processed = await sql<{ xmin: string }>`select xmin::text from processed_events where consumer = 'index' and event_id = ${event.id}`.execute(platform.db);
      assert.equal(document.rows.length, 1);
      assert.equal(processed.rows[0]?.xmin, document.rows[0]!.xmin);
    } finally {
      await platform.dispose();
    }
  });

  test('progressive rendering: a processing video is searchable once its poster is stored, and a late partial event never regresses it', async () => {
    const platform = await createTestPlatform();
    try {
      const { assetId, asset } = await readyAsset(platform, 'Entrevista', 'processing');
      const deliver = async (type: 'io.mediateca.asset.renditions-partial' | 'io.mediateca.asset.rendered', data: Record<string, unknown>) => {
        const event = newEvent(type, EVENT_SOURCE, { assetId, projectId: 'newsroom', version: asset.version, renditions: ['poster'], ...data } as never, assetId);
        const result = await deliverToFunction((request) => createApp(platform).fetch(request), event, platform.eventsSecret);
        assert.equal(result.outcome, 'ack', result.reason);
        return event;
      };
      const found = async () => (await platform.search.search({ q: 'entrevista', projectIds: ['newsroom'], filters: { state: ['processing', 'ready'] }, facets: [], limit: 10 })).hits;

      await deliver('io.mediateca.asset.renditions-partial', { stage: 'poster' });
      assert.deepEqual(await found(), [], 'no poster stored yet: a processing asset has no document');

      await putRendition(platform.db, { asset_id: assetId, name: 'poster', storage_key: `newsroom/${assetId}/v1/poster.jpg`, content_type: 'image/jpeg', size_bytes: 10, width: 1920, height: 1080, duration_seconds: null });
      const partial = await deliver('io.mediateca.asset.renditions-partial', { stage: 'poster' });
      const [hit] = await found();
      assert.equal(hit?.assetId, assetId);
      assert.equal(hit.document.state, 'processing');
      assert.equal(hit.document.thumbnailKey, `newsroom/${assetId}/v1/poster.jpg`, 'the poster is the hit\'s thumbnail');

      await changeAsset(platform.db, asset, { expectedVersion: asset.version, set: { state: 'ready' }, history: { type: 'rendered', actor: 'test' } });
      await deliver('io.mediateca.asset.rendered', {});
      // the preview step's event arrives after rendered (out of order), and the poster step's again (a redelivery)
      await deliver('io.mediateca.asset.renditions-partial', { stage: 'preview', renditions: ['poster', 'preview'] });
      const again = await deliverToFunction((request) => createApp(platform).fetch(request), partial, platform.eventsSecret);
      assert.equal(again.outcome, 'ack', again.reason);
      const after = await found();
      assert.deepEqual(after.map((h) => [h.assetId, h.document.state]), [[assetId, 'ready']]);
    } finally {
      await platform.dispose();
    }
  });
});
