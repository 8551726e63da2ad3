import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILT_IN_FIELDS, type FieldDefinition } from '../domain/metadata-schema.ts';
import { type RuleFacts, fieldConditionIssues, fieldHolds, ruleMatches } from './rules.ts';

const facts: RuleFacts = {
  mediaType: 'image',
  tags: ['flood', 'north'],
  fields: { section: 'politics', rating: 4, eventDate: '2026-03-14', regions: ['north', 'east'], exclusive: true },
  acceptedLabels: new Set(['water']),
  collectionIds: new Set(['c1']),
};

test('field values: any of the listed values, a list field by any element, compared as text', () => {
  assert.ok(fieldHolds({ name: 'section', values: ['sport', 'politics'] }, 'politics'));
  assert.ok(!fieldHolds({ name: 'section', values: ['sport'] }, 'politics'));
  assert.ok(fieldHolds({ name: 'regions', values: ['east'] }, ['north', 'east']));
  assert.ok(fieldHolds({ name: 'rating', values: ['4'] }, 4));
  assert.ok(fieldHolds({ name: 'exclusive', values: ['true'] }, true));
  assert.ok(!fieldHolds({ name: 'section', values: ['politics'] }, undefined), 'an absent field does not match');
});

test('field bounds: inclusive, numbers for numbers and dates for dates; a value of the other kind does not match', () => {
  assert.ok(fieldHolds({ name: 'rating', min: 4, max: 5 }, 4));
  assert.ok(!fieldHolds({ name: 'rating', min: 4.5 }, 4));
  assert.ok(!fieldHolds({ name: 'rating', max: 3 }, 4));
  assert.ok(fieldHolds({ name: 'eventDate', min: '2026-03-14', max: '2026-03-14' }, '2026-03-14'));
  assert.ok(!fieldHolds({ name: 'eventDate', min: '2026-03-15' }, '2026-03-14'));
  assert.ok(!fieldHolds({ name: 'rating', min: '2026-01-01' }, 4));
  assert.ok(!fieldHolds({ name: 'eventDate', min: 1 }, '2026-03-14'));
  assert.ok(!fieldHolds({ name: 'regions', min: 1 }, ['north']));
});

test('a rule matches when every condition holds; collections by membership of any listed one', () => {
  assert.ok(ruleMatches({}, facts), 'an empty match takes every asset');
  assert.ok(ruleMatches({ mediaTypes: ['video', 'image'], tags: ['flood'], labels: ['water'], fields: [{ name: 'section', values: ['politics'] }, { name: 'rating', min: 3 }], collections: ['c9', 'c1'] }, facts));
  assert.ok(!ruleMatches({ fields: [{ name: 'section', values: ['politics'] }, { name: 'rating', min: 5 }] }, facts), 'every field condition must hold');
  assert.ok(!ruleMatches({ collections: ['c9'] }, facts));
  assert.ok(!ruleMatches({ collections: ['c1'] }, { ...facts, collectionIds: undefined }), 'unread collections hold nothing');
  assert.ok(!ruleMatches({ labels: ['fire'] }, facts));
  assert.ok(!ruleMatches({ mediaTypes: ['video'] }, facts));
  assert.ok(!ruleMatches({ tags: ['flood', 'south'] }, facts));
});

test('field conditions are checked against the project\'s fields: unknown names and mismatched bounds are named', () => {
  const fields: FieldDefinition[] = [...BUILT_IN_FIELDS, { name: 'rating', type: 'number' }, { name: 'eventDate', type: 'date' }, { name: 'section', type: 'enum', options: ['politics', 'sport'] }];
  assert.deepEqual(fieldConditionIssues([{ name: 'rating', min: 1 }, { name: 'eventDate', max: '2030-01-01' }, { name: 'section', values: ['sport'] }, { name: 'license', values: ['CC-BY-4.0'] }], fields), []);
  assert.deepEqual(fieldConditionIssues([{ name: 'sectoin', values: ['sport'] }, { name: 'rating', min: '2026-01-01' }, { name: 'section', min: 1 }, { name: 'eventDate', max: 3 }], fields).map((issue) => issue.field), ['sectoin', 'rating', 'section', 'eventDate']);
});
