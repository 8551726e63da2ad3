import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SearchDocument } from '../../shared/search/search-index.ts';
import { withAiFields } from './index.ts';

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
