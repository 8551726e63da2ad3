// CSV export and import of metadata for a search result, through HTTP on PGlite: the export has a row per asset the
// search finds (typed schema fields, lists, quoting), is audited, and hides what the caller may not see; an
// exported file imported back changes nothing; edited rows are applied each at its own version with a result per
// row (a bad field named, a stale row 412, a bad id 400), and the import is audited.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { findAsset } from '../../shared/db/assets.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { projectAsset } from '../index/index.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: ReturnType<typeof createApp>;
const tokens: Record<string, string> = {};
const PROJECT = 'hoja';

before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
  for (const role of ['viewer', 'editor', 'admin'] as const) tokens[role] = await platform.signer!.mint(`csv-${role}`, { [PROJECT]: role });
});
after(() => platform.dispose());

const request = (who: string, method: string, path: string, body?: string, type = 'application/json') =>
  app.request(path, { method, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': type }, body });
const json = async (who: string, method: string, path: string, body?: unknown) => {
  const response = await request(who, method, path, body === undefined ? undefined : JSON.stringify(body));
  return { status: response.status, body: await response.json() };
};
const exportCsv = async (who: string, query: string) => {
  const response = await request(who, 'GET', `/assets/export.csv?${query}`);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text, rows: response.ok ? (parse(text, { columns: true }) as Record<string, string>[]) : [] };
};
const importCsv = async (who: string, rows: unknown[][]) => {
  const response = await request(who, 'POST', '/assets/import.csv', stringify(rows), 'text/csv');
  return { status: response.status, body: await response.json() };
};

test('export: a row per asset the search finds, typed fields and lists; viewers see approved ones only; audited', async () => {
  await json('admin', 'PUT', `/projects/${PROJECT}/schema`, { fields: [
    { name: 'section', type: 'enum', options: ['politics', 'sport'] },
    { name: 'topics', type: 'multi-enum', options: ['election', 'budget'] },
    { name: 'rating', type: 'number', min: 0, max: 5 },
    { name: 'online', type: 'boolean' },
  ] });
  const draft = await seedAsset(platform, { projectId: PROJECT, title: 'Pleno, "en directo"', tags: ['hoja-1', 'pleno'], editorialState: 'draft' });
  const approved = await seedAsset(platform, { projectId: PROJECT, title: 'Derbi', tags: ['hoja-1'], editorialState: 'approved' });
  const elsewhere = await seedAsset(platform, { projectId: 'otra', tags: ['hoja-1'] });
  const filled = await json('editor', 'PATCH', `/assets/${draft.id}`, { description: 'línea 1\nlínea 2', fields: { section: 'politics', topics: ['election', 'budget'], rating: 4, online: true, credit: 'EFE' } });
  assert.equal(filled.status, 200, JSON.stringify(filled.body));
  for (const asset of [draft, approved, elsewhere]) await projectAsset(platform.db, platform.search, asset.id);

  const exported = await exportCsv('editor', 'tags=hoja-1');
  assert.equal(exported.status, 200, exported.text);
  assert.match(exported.type ?? '', /^text\/csv/);
  const header = exported.text.split('\n')[0]!.split(',');
  assert.deepEqual(header.slice(0, 6), ['id', 'projectId', 'version', 'title', 'description', 'tags']);
  for (const column of ['fields.credit', 'fields.rightsExpiry', 'fields.section', 'fields.topics', 'fields.rating', 'fields.online']) assert.ok(header.includes(column), column);
  assert.deepEqual(exported.rows.map((row) => row.id).sort(), [draft.id, approved.id].sort(), 'not the asset of a project the editor is not in');
  const row = exported.rows.find((r) => r.id === draft.id)!;
  assert.deepEqual(
    [row.version, row.title, row.description, row.tags, row['fields.section'], row['fields.topics'], row['fields.rating'], row['fields.online'], row['fields.credit'], row['fields.license']],
    [String(filled.body.version), 'Pleno, "en directo"', 'línea 1\nlínea 2', 'hoja-1|pleno', 'politics', 'election|budget', '4', 'true', 'EFE', ''],
  );

  const viewed = await exportCsv('viewer', 'tags=hoja-1');
  assert.deepEqual(viewed.rows.map((r) => r.id), [approved.id], 'a viewer exports approved assets only');
  assert.equal((await exportCsv('editor', 'projectId=otra')).status, 404, 'a project the caller is not in, like any other');
  assert.equal((await exportCsv('editor', 'editorialState=published')).status, 400);
  assert.equal((await exportCsv('editor', 'tags=hoja-1&field.section=politics')).status, 400, 'a filter export does not take is refused, not ignored');

  const audit = await json('admin', 'GET', `/projects/${PROJECT}/audit?action=project.metadata-exported`);
  assert.equal(audit.body.entries.length, 2);
  assert.deepEqual([audit.body.entries[1].actor, audit.body.entries[1].details.assets], ['csv-editor', 2]);
  assert.deepEqual(audit.body.entries[0].details.assetIds, [approved.id]);
});

test('import: an export imported back changes nothing; edited rows apply each at its own version with a result per row', async () => {
  const assets = [await seedAsset(platform, { projectId: PROJECT, tags: ['hoja-2'], editorialState: 'draft' }), await seedAsset(platform, { projectId: PROJECT, tags: ['hoja-2'], editorialState: 'draft' }), await seedAsset(platform, { projectId: PROJECT, tags: ['hoja-2'], editorialState: 'draft' })];
  await json('editor', 'PATCH', `/assets/${assets[0]!.id}`, { fields: { section: 'sport', rating: 2 } });
  for (const asset of assets) await projectAsset(platform.db, platform.search, asset.id);
  const exported = await exportCsv('editor', 'tags=hoja-2');
  assert.equal(exported.rows.length, 3);
  const columns = Object.keys(exported.rows[0]!);
  const matrix = (rows: Record<string, string>[]) => [columns, ...rows.map((row) => columns.map((column) => row[column]))];

  const same = await importCsv('editor', matrix(exported.rows));
  assert.equal(same.status, 200, JSON.stringify(same.body));
  assert.deepEqual(same.body.results.map((r: { unchanged: boolean; status: number }) => [r.status, r.unchanged]), [[200, true], [200, true], [200, true]]);
  for (const row of exported.rows) assert.equal(String((await findAsset(platform.db, row.id))!.version), row.version, 'nothing written');

  // someone edits the third asset after the export: its row is stale
  const third = assets[2]!.id;
  await json('editor', 'PATCH', `/assets/${third}`, { title: 'cambiado después' });
  const byId = new Map(exported.rows.map((row) => [row.id, { ...row }]));
  Object.assign(byId.get(assets[0]!.id)!, { title: 'Final de copa', tags: 'hoja-2|fútbol', 'fields.topics': 'budget', 'fields.rating': '', 'fields.online': 'false' });
  Object.assign(byId.get(assets[1]!.id)!, { 'fields.rating': '9', 'fields.section': 'weather' });
  Object.assign(byId.get(third)!, { description: 'tarde' });
  const rows = [...exported.rows.map((row) => byId.get(row.id)!)];
  const imported = await importCsv('editor', [...matrix(rows), ['not-an-id', ...columns.slice(1).map(() => '')]]);
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  const result = (id: string) => imported.body.results.find((r: { id: string }) => r.id === id);
  assert.equal(result(assets[0]!.id).status, 200);
  const first = await findAsset(platform.db, assets[0]!.id);
  assert.deepEqual([first!.title, first!.tags, first!.fields], ['Final de copa', ['hoja-2', 'fútbol'], { section: 'sport', topics: ['budget'], online: false }], 'an emptied cell clears its field');
  assert.equal(result(assets[0]!.id).version, first!.version);
  assert.equal(result(assets[1]!.id).status, 400);
  assert.deepEqual(result(assets[1]!.id).problem.issues.map((i: { field: string }) => i.field).sort(), ['rating', 'section']);
  assert.equal(result(third).status, 412, 'a row read before a later change is not applied');
  assert.equal((await findAsset(platform.db, third))!.description, '');
  const bad = imported.body.results.at(-1);
  assert.deepEqual([bad.line, bad.status], [5, 400]);
  assert.deepEqual([imported.body.succeeded, imported.body.failed], [1, 3]);

  const audit = await json('admin', 'GET', `/projects/${PROJECT}/audit?action=project.metadata-imported`);
  assert.deepEqual(audit.body.entries[0].details, { edited: 1, unchanged: 0, failed: 2, assetIds: [assets[0]!.id] });
  assert.equal((await importCsv('viewer', matrix(rows))).body.results[0].status, 403, 'viewers do not edit');
});

test('import: the file itself is checked first (type, header, columns)', async () => {
  assert.equal((await request('editor', 'POST', '/assets/import.csv', 'id\n', 'application/json')).status, 415);
  const unknown = await importCsv('editor', [['id', 'colour'], ['x', 'red']]);
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.detail, /unknown columns: colour/);
  assert.equal((await importCsv('editor', [['title'], ['x']])).status, 400, 'no id column');
  const broken = await request('editor', 'POST', '/assets/import.csv', 'id,title\n"unterminated', 'text/csv');
  assert.equal(broken.status, 400);
  assert.equal((await request('editor', 'POST', '/assets/import.csv', '', 'text/csv')).status, 400, 'empty');
});

test('export: text a spreadsheet would run as a formula goes out behind an apostrophe, and comes back as it was', async () => {
  const asset = await seedAsset(platform, { projectId: PROJECT, title: '=HYPERLINK("http://example.com/x","abrir")', tags: ['hoja-3'], editorialState: 'draft' });
  const edited = await json('editor', 'PATCH', `/assets/${asset.id}`, { description: '@SUM(A1:A9)', fields: { credit: '-2+3', rating: 3 } });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  await projectAsset(platform.db, platform.search, asset.id);

  const exported = await exportCsv('editor', 'tags=hoja-3');
  const row = exported.rows[0]!;
  assert.deepEqual([row.title, row.description, row['fields.credit'], row['fields.rating'], row.tags], ["'=HYPERLINK(\"http://example.com/x\",\"abrir\")", "'@SUM(A1:A9)", "'-2+3", '3', 'hoja-3']);

  const columns = Object.keys(row);
  const same = await importCsv('editor', [columns, columns.map((column) => row[column])]);
  assert.deepEqual(same.body.results.map((r: { status: number; unchanged: boolean }) => [r.status, r.unchanged]), [[200, true]], 'the apostrophes are taken off again: nothing changed');
  const changed = await importCsv('editor', [['id', 'version', 'title'], [asset.id, row.version, "'=1+1"]]);
  assert.equal(changed.body.results[0].status, 200, JSON.stringify(changed.body));
  assert.equal((await findAsset(platform.db, asset.id))!.title, '=1+1');
});
