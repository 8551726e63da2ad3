import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENRICH_PARTS, loadConfig } from './config.ts';

describe('loadConfig: enrichment', () => {
  test('every model runs unless ENRICH_PARTS says otherwise', () => {
    assert.deepEqual(loadConfig({}).enrich.parts, [...ENRICH_PARTS]);
    assert.deepEqual(loadConfig({ ENRICH_PARTS: 'objects, ocr' }).enrich.parts, ['objects', 'ocr']);
    assert.deepEqual(loadConfig({ ENRICH_PARTS: 'none' }).enrich.parts, []);
  });

  test('an unknown part is a startup error naming the known ones', () => {
    assert.throws(() => loadConfig({ ENRICH_PARTS: 'objects,facez' }), /unknown facez \(known: objects, faces, ocr, speech, embedding, none\)/);
  });
});
