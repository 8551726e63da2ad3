// Search on metadata schema fields through HTTP: the index projects each asset's field values, and
// `field.<name>=`, `field.<name>.min/.max=` and `fieldFacets=` filter and count them; field text is searchable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { factsOf } from '../../shared/db/assets.ts';
import { editAssetMetadata } from '../../shared/domain/asset-commands.ts';
import type { MetadataSchema } from '../../shared/domain/metadata-schema.ts';
import { recordDecision } from '../../shared/events/asset-decisions.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { projectAsset } from '../index/index.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let get: (query: string) => Promise<{ status: number; body: any }>;
const schema: MetadataSchema = {
  version: 1,
  fields: [
    { name: 'section', type: 'enum', options: ['politics', 'sport'] },
    { name: 'topics', type: 'multi-enum', options: ['budget', 'election', 'football'] },
    { name: 'rating', type: 'number' },
    { name: 'eventDate', type: 'date' },
  ],
};

before(async () => {
  platform = await createTestPlatform();
  const seeds: [string, Record<string, unknown>][] = [
    ['Pleno', { section: 'politics', topics: ['budget', 'election'], rating: 4, eventDate: '2024-02-28', credit: 'Agencia Zarzuela' }],
    ['Derbi', { section: 'sport', topics: ['football'], rating: 2, eventDate: '2024-03-10' }],
    ['Mitin', { section: 'politics', topics: ['election'], rating: 5, eventDate: '2023-12-31' }],
  ];
  for (const [title, fields] of seeds) {
    const asset = await seedAsset(platform, { title, projectId: 'fields' });
    await recordDecision(platform.db, asset, editAssetMetadata(factsOf(asset), { fields }, schema, new Date()), { actor: 'test' });
    await projectAsset(platform.db, platform.search, asset.id);
  }
  const app = createApp(platform);
  const token = await platform.signer!.mint('eli', { fields: 'editor' });
  get = async (query) => {
    const response = await app.request(`/search?${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  };
});
after(() => platform.dispose());

const titles = async (query: string) => {
  const answer = await get(query);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return (answer.body.hits as { title: string }[]).map((hit) => hit.title).sort();
};

test('filters: values (any of), ranges on numbers and dates, several at once', async () => {
  assert.deepEqual(await titles('field.section=politics'), ['Mitin', 'Pleno']);
  assert.deepEqual(await titles('field.topics=football,budget'), ['Derbi', 'Pleno']);
  assert.deepEqual(await titles('field.rating.min=4'), ['Mitin', 'Pleno']);
  assert.deepEqual(await titles('field.rating.min=3&field.rating.max=4'), ['Pleno']);
  assert.deepEqual(await titles('field.eventDate.min=2024-01-01'), ['Derbi', 'Pleno']);
  assert.deepEqual(await titles('field.section=politics&field.eventDate.max=2023-12-31'), ['Mitin']);
  assert.deepEqual(await titles('q=zarzuela'), ['Pleno'], 'field text is searchable');
});

test('facets on fields, and hits carrying their fields', async () => {
  const answer = await get('field.section=politics&fieldFacets=topics,section');
  assert.deepEqual(answer.body.fieldFacets, { topics: [{ value: 'election', count: 2 }, { value: 'budget', count: 1 }], section: [{ value: 'politics', count: 2 }] });
  const pleno = answer.body.hits.find((hit: { title: string }) => hit.title === 'Pleno');
  assert.deepEqual(pleno.schemaFields, { section: 'politics', topics: ['budget', 'election'], rating: 4, eventDate: '2024-02-28', credit: 'Agencia Zarzuela' });
});

test('bad field parameters are 400 problems naming the parameter', async () => {
  for (const [query, detail] of [
    ['field.rating.min=lots', /field.rating.min must be a number or a date/],
    ['field.Bad-Name=x', /not a schema field name/],
    ['field.section=', /1 to 100 comma-separated values/],
    ['field.rating.min=1&field.rating.max=2024-01-01', /both be numbers or both dates/],
    ['fieldFacets=Bad-Name', /fieldFacets are schema field names/],
  ] as const) {
    const answer = await get(query);
    assert.equal(answer.status, 400, query);
    assert.match(answer.body.detail, detail, query);
  }
});
