// Metadata schemas, directly: what a definition may say, how each type checks and normalises a value, patches
// naming every bad field, required fields, defaults, values kept across schema changes, and the rights expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FieldDefinition, type MetadataSchema, applyFieldPatch, checkSchemaDefinition, checkValue, defaultsFor, missingRequired, rightsExpired, unknownFields,
} from './metadata-schema.ts';

const schema: MetadataSchema = {
  version: 3,
  fields: [
    { name: 'section', type: 'enum', options: ['politics', 'sport', 'culture'], required: true },
    { name: 'topics', type: 'multi-enum', options: ['election', 'budget', 'football'] },
    { name: 'rating', type: 'number', min: 0, max: 5 },
    { name: 'eventDate', type: 'date' },
    { name: 'embargoed', type: 'boolean', default: false },
    { name: 'source', type: 'url' },
    { name: 'agency', type: 'keyword', default: 'EFE' },
    { name: 'note', type: 'text', maxLength: 20 },
    { name: 'subject', type: 'person' },
  ],
};

test('a definition: names, types, options, bounds and defaults are checked, each issue names its field', () => {
  const good = checkSchemaDefinition([
    { name: 'section', type: 'enum', options: ['a', 'b'], required: true, default: 'a', label: 'Sección', help: 'where it runs' },
    { name: 'rating', type: 'number', min: 0, max: 5 },
    { name: 'note', type: 'text', maxLength: 50 },
  ]);
  assert.ok(good.ok);
  assert.equal(good.value[0]!.default, 'a');
  const cases: [unknown, string, RegExp][] = [
    [[{ name: 'Section', type: 'text' }], 'fields[0]', /name must start with a lowercase letter/],
    [[{ name: 'a', type: 'colour' }], 'a', /type must be one of text, keyword, number, date, enum, multi-enum, boolean, url, person/],
    [[{ name: 'a', type: 'enum' }], 'a', /enum needs options/],
    [[{ name: 'a', type: 'enum', options: ['x', 'x'] }], 'a', /options must not repeat/],
    [[{ name: 'a', type: 'text', options: ['x'] }], 'a', /options belong to enum/],
    [[{ name: 'a', type: 'number', min: 3, max: 1 }], 'a', /min is above max/],
    [[{ name: 'a', type: 'number', default: 'x' }], 'a', /default: must be a number/],
    [[{ name: 'a', type: 'date', default: '2026-02-30' }], 'a', /default: 2026-02-30 is not a calendar date/],
    [[{ name: 'credit', type: 'text' }], 'credit', /built-in field/],
    [[{ name: 'a', type: 'text' }, { name: 'a', type: 'number' }], 'a', /defined twice/],
    [[{ name: 'a', type: 'text', colour: 'red' }], 'a', /unknown properties: colour/],
    [{ name: 'a' }, 'fields', /must be a list/],
  ];
  for (const [input, field, reason] of cases) {
    const checked = checkSchemaDefinition(input);
    assert.ok(!checked.ok, JSON.stringify(input));
    assert.equal(checked.issues[0]!.field, field, JSON.stringify(input));
    assert.match(checked.issues[0]!.reason, reason, JSON.stringify(input));
  }
});

test('values: each type accepts what it should, normalised, and refuses the rest with the reason', () => {
  const field = (name: string) => schema.fields.find((f) => f.name === name)!;
  const accepts: [string, unknown, unknown][] = [
    ['section', 'sport', 'sport'], ['topics', ['budget', 'election', 'budget'], ['budget', 'election']], ['rating', 4.5, 4.5], ['eventDate', '2024-02-29', '2024-02-29'],
    ['embargoed', true, true], ['source', 'https://efe.com/a?b=1', 'https://efe.com/a?b=1'], ['agency', '  Reuters ', 'Reuters'], ['note', 'short', 'short'],
    ['subject', '1B4E28BA-2FA1-41D2-883F-0016D3CCA427', '1b4e28ba-2fa1-41d2-883f-0016d3cca427'],
  ];
  for (const [name, value, normalised] of accepts) assert.deepEqual(checkValue(field(name), value), { ok: true, value: normalised }, name);
  const refuses: [string, unknown, RegExp][] = [
    ['section', 'weather', /must be one of politics, sport, culture/], ['topics', ['budget', 'tennis'], /"tennis" not among/], ['topics', 'budget', /must be a list/],
    ['rating', 6, /at most 5/], ['rating', '4', /must be a number, not string/], ['eventDate', '2023-02-29', /not a calendar date/], ['eventDate', '29/02/2024', /YYYY-MM-DD/],
    ['embargoed', 'yes', /true or false/], ['source', 'javascript:alert(1)', /http or https/], ['source', 'efe.com', /absolute/], ['agency', '   ', /blank/],
    ['note', 'x'.repeat(21), /at most 20 characters/], ['note', 'a\u0000b', /control characters/], ['subject', 'ana', /person id/],
  ];
  for (const [name, value, reason] of refuses) {
    const checked = checkValue(field(name), value);
    assert.ok(!checked.ok, `${name} ${JSON.stringify(value)}`);
    assert.match(checked.reason, reason, name);
  }
});

test('a patch: every bad field named at once; null clears; unknown fields and clearing a required one are refused', () => {
  const current = { section: 'sport', rating: 2 };
  const applied = applyFieldPatch(schema, current, { rating: 5, topics: ['football'], credit: 'EFE / Ana', section: 'sport' });
  assert.ok(applied.ok);
  assert.deepEqual(applied.value.values, { section: 'sport', rating: 5, topics: ['football'], credit: 'EFE / Ana' });
  assert.deepEqual(applied.value.changed, ['rating', 'topics', 'credit'], 'an unchanged value is not a change');
  assert.deepEqual(current, { section: 'sport', rating: 2 }, 'the stored values are not mutated');
  const cleared = applyFieldPatch(schema, current, { rating: null });
  assert.ok(cleared.ok);
  assert.deepEqual(cleared.value.values, { section: 'sport' });
  const bad = applyFieldPatch(schema, current, { rating: 9, section: null, colour: 'red', rightsExpiry: 'tomorrow' });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.issues.map((i) => i.field), ['rating', 'section', 'colour', 'rightsExpiry']);
  assert.match(bad.issues[2]!.reason, /not a field of this project's schema \(version 3\)/);
});

test('required, defaults, and values a schema change left behind are reported, never dropped', () => {
  assert.deepEqual(missingRequired(schema, {}), ['section']);
  assert.deepEqual(missingRequired(schema, { section: 'sport' }), []);
  assert.deepEqual(defaultsFor(schema, { agency: 'AP' }), { embargoed: false });
  const narrowed: MetadataSchema = { version: 4, fields: [{ name: 'section', type: 'enum', options: ['politics'] } satisfies FieldDefinition] };
  assert.deepEqual(unknownFields(narrowed, { section: 'sport', rating: 3, credit: 'EFE' }), ['section', 'rating']);
  // a value left behind can still be cleared
  const cleared = applyFieldPatch(narrowed, { rating: 3 }, { rating: null });
  assert.ok(cleared.ok);
  assert.deepEqual(cleared.value.values, {});
});

test('rights expire when their expiry day begins (UTC)', () => {
  assert.equal(rightsExpired({ rightsExpiry: '2026-03-01' }, new Date('2026-02-28T23:59:59Z')), false);
  assert.equal(rightsExpired({ rightsExpiry: '2026-03-01' }, new Date('2026-03-01T00:00:00Z')), true);
  assert.equal(rightsExpired({}, new Date()), false);
});
