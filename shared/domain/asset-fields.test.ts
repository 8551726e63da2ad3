// The aggregate's schema, rights and embedded-metadata commands, directly (asset-commands.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AssetFacts, CommandRefused, FieldsRefused, editAssetMetadata, expireRights, fillFromEmbedded, transitionEditorialChecked,
} from './asset-commands.ts';
import type { MetadataSchema } from './metadata-schema.ts';
import type { Principal } from './permissions.ts';

const asset = (more: Partial<AssetFacts> = {}): AssetFacts => ({
  id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', projectId: 'newsroom', state: 'ready', editorialState: 'draft', mediaType: 'image', contentType: 'image/jpeg',
  sha256: 'a'.repeat(64), size: 10, title: 'IMG_0001', description: '', tags: [], ...more,
});
const schema: MetadataSchema = {
  version: 2,
  fields: [
    { name: 'section', type: 'enum', options: ['politics', 'sport'], required: true },
    { name: 'agency', type: 'keyword', default: 'EFE' },
  ],
};
const now = new Date('2026-06-01T10:00:00Z');
const producer: Principal = { subject: 'prod', projects: { newsroom: 'producer' } };
const editor: Principal = { subject: 'ed', projects: { newsroom: 'editor' } };

test('edit: descriptive and schema fields in one decision; the history keeps both sides; the event names each field', () => {
  const decision = editAssetMetadata(asset({ fields: { section: 'politics' } }), { title: 'Pleno', fields: { section: 'sport', credit: 'EFE' } }, schema, now);
  assert.deepEqual(decision.changes, { title: 'Pleno', fields: { section: 'sport', credit: 'EFE' } });
  assert.deepEqual(decision.history, { type: 'edited', data: { before: { title: 'IMG_0001', fields: { section: 'politics', credit: null } }, after: { title: 'Pleno', fields: { section: 'sport', credit: 'EFE' } }, schemaVersion: 2 } });
  assert.deepEqual(decision.events, [{ type: 'io.mediateca.asset.updated', data: { fields: ['title', 'fields.section', 'fields.credit'] } }]);
});

test('edit: bad fields are refused together, each named; a deleted asset and an empty edit are refused', () => {
  assert.throws(() => editAssetMetadata(asset(), { fields: { section: 'weather', rightsExpiry: '2026-13-01', mood: 'x' } }, schema, now), (error: unknown) =>
    error instanceof FieldsRefused && error.problem === 'invalid' && error.issues.map((i) => i.field).join() === 'section,rightsExpiry,mood' && /section must be one of politics, sport/.test(error.message));
  assert.throws(() => editAssetMetadata(asset({ state: 'deleted' }), { fields: { credit: 'x' } }, schema, now), (e: unknown) => e instanceof CommandRefused && e.problem === 'conflict');
  assert.throws(() => editAssetMetadata(asset(), { fields: {} }, schema, now), (e: unknown) => e instanceof CommandRefused && e.problem === 'invalid');
});

test('rights expiry: setting a day already begun raises rights-expired with the edit; a later day makes the rights current again', () => {
  const expired = editAssetMetadata(asset(), { fields: { rightsExpiry: '2026-06-01' } }, schema, now);
  assert.equal(expired.changes.rightsExpiredAt, now);
  assert.deepEqual(expired.events.at(-1), { type: 'io.mediateca.asset.rights-expired', data: { rightsExpiry: '2026-06-01' } });
  const renewed = editAssetMetadata(asset({ fields: { rightsExpiry: '2026-06-01' }, rightsExpiredAt: now }), { fields: { rightsExpiry: '2027-01-01' } }, schema, now);
  assert.equal(renewed.changes.rightsExpiredAt, null);
  assert.equal(renewed.events.length, 1);
});

test('the sweep: expires once, when the day has begun, never a deleted asset', () => {
  const due = asset({ fields: { rightsExpiry: '2026-05-31' } });
  const decision = expireRights(due, now)!;
  assert.deepEqual(decision.changes, { rightsExpiredAt: now });
  assert.deepEqual(decision.history, { type: 'rights-expired', data: { rightsExpiry: '2026-05-31', on: '2026-06-01' } });
  assert.deepEqual(decision.events.map((e) => e.type), ['io.mediateca.asset.rights-expired', 'io.mediateca.asset.updated']);
  assert.equal(expireRights({ ...due, rightsExpiredAt: now }, now), undefined, 'raised already');
  assert.equal(expireRights(asset({ fields: { rightsExpiry: '2026-06-02' } }), now), undefined, 'not yet');
  assert.equal(expireRights({ ...due, state: 'deleted' }, now), undefined);
});

test('transitions: review and approval need the required fields; approval is refused past the rights expiry; roles first', () => {
  assert.throws(() => transitionEditorialChecked(asset(), 'in_review', undefined, editor, schema, now), (e: unknown) =>
    e instanceof FieldsRefused && e.issues[0]!.field === 'section' && /required before moving to in_review/.test(e.message));
  const filled = asset({ fields: { section: 'sport' } });
  assert.equal(transitionEditorialChecked(filled, 'in_review', undefined, editor, schema, now).changes.editorialState, 'in_review');
  const inReview = { ...filled, editorialState: 'in_review' as const };
  assert.equal(transitionEditorialChecked(inReview, 'approved', undefined, producer, schema, now).changes.editorialState, 'approved');
  const expired = { ...inReview, fields: { section: 'sport', rightsExpiry: '2026-06-01' } };
  assert.throws(() => transitionEditorialChecked(expired, 'approved', undefined, producer, schema, now), (e: unknown) =>
    e instanceof CommandRefused && e.problem === 'conflict' && /rights expired on 2026-06-01/.test(e.message));
  assert.throws(() => transitionEditorialChecked(expired, 'approved', undefined, editor, schema, now), (e: unknown) => e instanceof CommandRefused && e.problem === 'forbidden');
  // rejecting and withdrawing stay possible
  assert.equal(transitionEditorialChecked(expired, 'rejected', 'rights', producer, schema, now).changes.editorialState, 'rejected');
});

test('embedded metadata fills what the uploader left empty and the defaults the rest; never overwrites', () => {
  const embedded = { headline: 'Pleno del Congreso', caption: 'Diputados votan', keywords: ['congreso', 'pleno'], fields: { credit: 'EFE', creator: 'Ana Gómez', copyright: '© EFE 2026', section: 'weather' } };
  const decision = fillFromEmbedded(asset(), embedded, schema, 'IMG_0001')!;
  assert.deepEqual(decision.changes, {
    title: 'Pleno del Congreso', description: 'Diputados votan', tags: ['congreso', 'pleno'],
    fields: { agency: 'EFE', credit: 'EFE', creator: 'Ana Gómez', copyright: '© EFE 2026' },
  }, 'an embedded value the schema refuses (section) is left out');
  assert.deepEqual(decision.events, [{ type: 'io.mediateca.asset.updated', data: { fields: ['title', 'description', 'tags', 'fields.agency', 'fields.credit', 'fields.creator', 'fields.copyright'] } }]);
  const typed = asset({ title: 'Mi título', description: 'mía', tags: ['x'], fields: { credit: 'Reuters', agency: 'AP' } });
  const kept = fillFromEmbedded(typed, embedded, schema, 'IMG_0001')!;
  assert.deepEqual(kept.changes, { fields: { credit: 'Reuters', agency: 'AP', creator: 'Ana Gómez', copyright: '© EFE 2026' } });
  assert.equal(fillFromEmbedded(asset({ title: 'x', description: 'y', tags: ['z'], fields: { agency: 'AP' } }), {}, schema, 'IMG_0001'), undefined);
});
