// CSV export and import of metadata for a search result (issue 10): GET /assets/export.csv answers the assets a
// search finds (GET /search's filters) as one row each: id, project, version, title, description, tags, the
// built-in rights and descriptive fields and every schema field of their projects. POST /assets/import.csv takes
// such a file back (edited in a spreadsheet) and applies each row as its own batch edit (schemas.ts batchOne): only
// the cells that differ from the asset are sent, the row's version is its expected version (a row read before a
// later change is refused with 412, never overwrites), and the answer has a result per row. Both are audited.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { factsOf, findAsset } from '../../shared/db/assets.ts';
import { currentSchema } from '../../shared/db/metadata-schemas.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { editAssetMetadata } from '../../shared/domain/asset-commands.ts';
import { MEDIA_TYPES } from '../../shared/domain/asset.ts';
import { EDITORIAL_STATES } from '../../shared/domain/editorial.ts';
import { type FieldDefinition, type FieldValue, type MetadataSchema, allFields } from '../../shared/domain/metadata-schema.ts';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { Problem, badRequest } from '../../shared/http/problem.ts';
import { ProjectId, Tag, commaList, parseOrProblem, textBody, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { recordAudit } from './audit.ts';
import { EditAsset, type BatchResult, batchOne, checkPersonFields, searchedIds, visibleAsset } from './schemas.ts';

/** Rows one export answers or one import applies. */
export const MAX_CSV_ROWS = 5000;
/** The largest CSV an import reads. */
export const CSV_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** The columns every export has, in this order; schema fields follow as `fields.<name>`. */
export const BASE_COLUMNS = ['id', 'projectId', 'version', 'title', 'description', 'tags'] as const;
const FIELD_PREFIX = 'fields.';
/** Lists (tags, multi-enum values) in one cell: joined with this, or as a JSON array when a value holds it. */
const LIST_SEPARATOR = '|';
/**
 * A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP): exported text that
 * starts so gets a leading apostrophe, which spreadsheets show as text, and an import takes it off again.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Strict: a filter it does not take (field.<name>, person, collection…) is refused, never silently dropped to export more. */
export const ExportQuery = v.strictObject({
  q: v.optional(userText(500)),
  projectId: commaList(ProjectId),
  mediaType: commaList(v.picklist(MEDIA_TYPES, `media types are ${MEDIA_TYPES.join(', ')}`)),
  editorialState: commaList(v.picklist(EDITORIAL_STATES, `editorial states are ${EDITORIAL_STATES.join(', ')}`)),
  tags: commaList(Tag),
});

const ImportVersion = v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'version must be a positive integer'), v.transform(Number), v.minValue(1, 'version must be a positive integer'));
const ImportId = v.pipe(v.string(), v.uuid('id must be an asset id'));

export interface ImportResult extends BatchResult {
  /** the CSV line of the row (the header is line 1) */
  line: number;
}

export function csvRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.get('/assets/export.csv', async (c) => {
    const query = parseOrProblem(ExportQuery, c.req.query(), 'export query');
    const assets = await exportedAssets(c, platform, query);
    const schemas = new Map<string, MetadataSchema>();
    for (const projectId of new Set(assets.map((asset) => asset.project_id))) schemas.set(projectId, await currentSchema(platform.db, projectId));
    const columns = exportColumns([...schemas.values()], assets);
    const rows = assets.map((asset) => columns.map((column) => cellOf(asset, column)));
    for (const [projectId] of schemas) {
      const exported = assets.filter((asset) => asset.project_id === projectId).map((asset) => asset.id);
      await recordAudit(c, platform, { projectId, action: 'project.metadata-exported', targetType: 'project', targetId: projectId, details: { assets: exported.length, assetIds: exported.slice(0, 100), query } });
    }
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="metadata.csv"');
    c.header('Cache-Control', 'private, no-store');
    return c.body(stringify([columns, ...rows]));
  });

  app.post('/assets/import.csv', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^text\/csv\b/i.test(type)) throw new Problem(415, 'Unsupported Media Type', 'send the CSV with Content-Type: text/csv');
    const records = parseCsv(await textBody(c.req.raw, CSV_BODY_LIMIT_BYTES, 'the CSV must be UTF-8 encoded'));
    const now = new Date();
    const schemas = new Map<string, Promise<MetadataSchema>>();
    const schemaOf = (projectId: string) => {
      if (!schemas.has(projectId)) schemas.set(projectId, currentSchema(platform.db, projectId));
      return schemas.get(projectId)!;
    };
    const seen = new Set<string>();
    const projectOf = new Map<string, string>();
    const results: ImportResult[] = [];
    for (const [index, record] of records.rows.entries()) {
      const line = index + 2;
      const refused = (status: number, detail: string) => results.push({ line, id: record.id ?? '', status, problem: { title: status === 412 ? 'Precondition Failed' : 'Bad Request', detail } });
      const id = v.safeParse(ImportId, record.id ?? '');
      if (!id.success) { refused(400, `line ${line}: id must be an asset id`); continue; }
      if (seen.has(id.output)) { refused(400, `line ${line}: asset ${id.output} has an earlier row`); continue; }
      seen.add(id.output);
      let expected: number | undefined;
      if (record.version !== undefined && record.version.trim() !== '') {
        const version = v.safeParse(ImportVersion, record.version.trim());
        if (!version.success) { refused(400, `line ${line}: version must be a positive integer`); continue; }
        expected = version.output;
      }
      const result = await batchOne(c, platform, id.output, expected, async (asset) => {
        projectOf.set(asset.id, asset.project_id);
        const schema = await schemaOf(asset.project_id);
        const patch = rowPatch(asset, schema, record);
        if (!patch) return null;
        const edit = parseOrProblem(EditAsset, patch, `line ${line}`);
        await checkPersonFields(platform, asset.project_id, schema, edit.fields);
        return editAssetMetadata(factsOf(asset), edit, schema, now);
      }, 'asset:edit');
      results.push({ line, ...result });
    }
    platform.outboxWritten();
    const byProject = new Map<string, { edited: string[]; unchanged: number; failed: number }>();
    for (const result of results) {
      // a row refused before its decision (412): its project, unless the caller may not see the asset at all
      if (!projectOf.has(result.id) && result.status === 412) projectOf.set(result.id, (await findAsset(platform.db, result.id))!.project_id);
      const projectId = projectOf.get(result.id);
      if (!projectId) continue;
      const entry = byProject.get(projectId) ?? { edited: [], unchanged: 0, failed: 0 };
      if (result.status !== 200) entry.failed += 1;
      else if (result.unchanged) entry.unchanged += 1;
      else entry.edited.push(result.id);
      byProject.set(projectId, entry);
    }
    for (const [projectId, entry] of byProject) {
      await recordAudit(c, platform, { projectId, action: 'project.metadata-imported', targetType: 'project', targetId: projectId, details: { edited: entry.edited.length, unchanged: entry.unchanged, failed: entry.failed, assetIds: entry.edited.slice(0, 100) } });
    }
    const succeeded = results.filter((result) => result.status === 200).length;
    return c.json({ succeeded, failed: results.length - succeeded, results });
  });
}

/** The assets the search finds in the caller's projects (the rows as stored, each checked again), at most MAX_CSV_ROWS. */
async function exportedAssets(c: Context<AppEnv>, platform: Platform, query: v.InferOutput<typeof ExportQuery>): Promise<Asset[]> {
  const principal = c.get('principal');
  for (const projectId of query.projectId ?? []) authorize(c, 'asset:read', projectId, 'project');
  const projectIds = query.projectId ?? projectsWhere(principal, 'asset:read');
  if (projectIds.length === 0) return [];
  const unique = await searchedIds(c, platform, projectIds, query.q, { mediaType: query.mediaType, editorialState: query.editorialState, tags: query.tags }, MAX_CSV_ROWS);
  if (unique.length > MAX_CSV_ROWS) throw badRequest(`the search finds more than ${MAX_CSV_ROWS} assets: narrow it to export them`);
  const assets: Asset[] = [];
  for (const id of unique) {
    // the search document may lag the row: the row decides (a viewer's unapproved or a deleted asset is left out)
    const asset = await visibleAsset(c, platform, id, 'asset:read').catch((error) => {
      if (error instanceof Problem && (error.status === 404 || error.status === 403)) return undefined;
      throw error;
    });
    if (asset && asset.state !== 'deleted') assets.push(asset);
  }
  return assets;
}

/** The header: the base columns, then every field of the projects' schemas (built-in first), then values no schema has any more. */
export function exportColumns(schemas: MetadataSchema[], assets: Asset[]): string[] {
  const names: string[] = [];
  for (const schema of schemas) for (const field of allFields(schema)) if (!names.includes(field.name)) names.push(field.name);
  for (const asset of assets) for (const name of Object.keys(asset.fields ?? {})) if (!names.includes(name)) names.push(name);
  return [...BASE_COLUMNS, ...names.map((name) => `${FIELD_PREFIX}${name}`)];
}

function cellOf(asset: Asset, column: string): string {
  switch (column) {
    case 'id': return asset.id;
    case 'projectId': return asset.project_id;
    case 'version': return String(asset.version);
    case 'title': return textCell(asset.title);
    case 'description': return textCell(asset.description);
    case 'tags': return textCell(listCell(asset.tags));
    default: {
      const value = (asset.fields ?? {})[column.slice(FIELD_PREFIX.length)];
      if (value === undefined || value === null) return '';
      if (Array.isArray(value)) return textCell(listCell(value));
      return typeof value === 'string' ? textCell(value) : String(value);
    }
  }
}

/** Text as a cell no spreadsheet runs as a formula (FORMULA_START). */
export function textCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A cell as its text again: the apostrophe textCell put before a formula start taken off. */
export function cellText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

export function listCell(values: readonly string[]): string {
  return values.some((value) => value.includes(LIST_SEPARATOR)) ? JSON.stringify(values) : values.join(LIST_SEPARATOR);
}

/** A list cell back: a JSON array, or values separated by `|` (trimmed, blanks dropped). */
export function parseListCell(cell: string): unknown[] {
  const text = cell.trim();
  if (text === '') return [];
  if (text.startsWith('[')) {
    try {
      const parsed = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed;
    } catch { /* not JSON: split as text */ }
  }
  return text.split(LIST_SEPARATOR).map((value) => value.trim()).filter(Boolean);
}

/** The CSV's rows by column; 400 for a file that is not CSV, has no id column, names an unknown column or has too many rows. */
export function parseCsv(text: string): { columns: string[]; rows: Record<string, string>[] } {
  let matrix: string[][];
  try {
    matrix = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false });
  } catch (error) {
    throw badRequest(`the body is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = matrix;
  if (!header) throw badRequest('the CSV is empty: send a header row (id, version, title, …) and a row per asset');
  const columns = header.map((column) => column.trim());
  const unknown = columns.filter((column) => !(BASE_COLUMNS as readonly string[]).includes(column) && !/^fields\.[a-z][a-zA-Z0-9_]{0,62}$/.test(column));
  if (unknown.length) throw badRequest(`unknown columns: ${unknown.join(', ')} (columns are ${BASE_COLUMNS.join(', ')} and fields.<name>)`, { issues: unknown.map((column) => ({ path: column, message: 'unknown column' })) });
  if (new Set(columns).size !== columns.length) throw badRequest('a column appears twice in the header');
  if (!columns.includes('id')) throw badRequest('the CSV needs an id column');
  if (rows.length > MAX_CSV_ROWS) throw badRequest(`at most ${MAX_CSV_ROWS} rows an import`);
  return { columns, rows: rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, cellText(row[i] ?? '')]))) };
}

/**
 * The edit a row asks of an asset: only the cells that differ from what it holds (so an exported file imported
 * back changes nothing), null when none does. projectId is informational. An empty field cell clears the field.
 * A cell that does not fit its field is passed on as text for the schema to refuse, naming the field.
 */
export function rowPatch(asset: Asset, schema: MetadataSchema, row: Record<string, string>): Record<string, unknown> | null {
  const patch: Record<string, unknown> = {};
  if (row.title !== undefined && row.title.trim() !== asset.title) patch.title = row.title;
  if (row.description !== undefined && row.description !== asset.description) patch.description = row.description;
  if (row.tags !== undefined) {
    const tags = parseListCell(row.tags);
    if (JSON.stringify(tags) !== JSON.stringify(asset.tags)) patch.tags = tags;
  }
  const definitions = new Map(allFields(schema).map((field) => [field.name, field]));
  const current = asset.fields ?? {};
  const fields: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(row)) {
    if (!column.startsWith(FIELD_PREFIX)) continue;
    const name = column.slice(FIELD_PREFIX.length);
    const value = fieldValue(definitions.get(name), cell);
    const held = current[name];
    if (value === null ? held === undefined || held === null : sameValue(value, held)) continue;
    fields[name] = value;
  }
  if (Object.keys(fields).length) patch.fields = fields;
  return Object.keys(patch).length ? patch : null;
}

function fieldValue(field: FieldDefinition | undefined, cell: string): unknown {
  const text = cell.trim();
  if (text === '') return null;
  switch (field?.type) {
    case 'number': return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : text;
    case 'boolean': return text === 'true' ? true : text === 'false' ? false : text;
    case 'multi-enum': return parseListCell(text);
    default: return text;
  }
}

function sameValue(value: unknown, held: FieldValue | undefined): boolean {
  return held !== undefined && JSON.stringify(value) === JSON.stringify(held);
}
