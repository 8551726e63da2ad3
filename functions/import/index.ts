// import (HTTP): bulk ingest batches. POST /imports lists the source's items (URL list, CSV, feed, sitemap, S3
// prefix) into one task each; import-worker fetches them. Here: the batch's progress, its tasks, pause, resume,
// cancel, and the report (every source item → asset, duplicate or the reason it failed), as JSON or CSV.
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import * as v from 'valibot';
import { type NewTask, TASK_STATES, type TaskWithAsset, assetOutcomes, cancelImport, createImport, findImport, listTasks, setImportState, taskCounts, throughput } from '../../shared/db/imports.ts';
import type { Import, ImportTaskState } from '../../shared/db/schema.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { Problem, badRequest, conflict, notFound } from '../../shared/http/problem.ts';
import { jsonBody, parseOrProblem } from '../../shared/http/validate.ts';
import { credentialsKeyOf, sealSource } from '../../shared/import/credentials.ts';
import { FetchError } from '../../shared/import/net.ts';
import { PoliteHttp } from '../../shared/import/polite-http.ts';
import { providerFor } from '../../shared/import/providers/index.ts';
import { type ImportSource as Source, ImportSource, describeSource } from '../../shared/import/sources.ts';
import type { Platform } from '../../shared/platform.ts';
import { ProjectId } from '../../shared/http/validate.ts';

const Tags = v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(100)));

export const StartImport = v.object({
  projectId: ProjectId,
  source: ImportSource,
  priority: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'priority is 1 (highest) … 5'), v.maxValue(5, 'priority is 1 (highest) … 5')), 3),
  defaults: v.optional(v.object({ title: v.optional(v.pipe(v.string(), v.maxLength(500))), description: v.optional(v.pipe(v.string(), v.maxLength(20000))), tags: v.optional(Tags) }), {}),
  dryRun: v.optional(v.boolean(), false),
});

export const TaskQuery = v.object({
  state: v.optional(v.picklist(TASK_STATES as ImportTaskState[], `state is one of ${TASK_STATES.join(', ')}`)),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'limit is a number'), v.transform(Number), v.minValue(1), v.maxValue(1000)), '100'),
  cursor: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'cursor comes from nextCursor'), v.transform(Number))),
});

export const ReportQuery = v.object({ format: v.optional(v.picklist(['json', 'csv'], 'format is json or csv (or send Accept: text/csv)')) });

const DRY_RUN_ITEMS_SHOWN = 1000;
const REPORT_PAGE = 500;

export interface ImportAppOptions {
  /** called after a batch was created or resumed (the dev host wakes its in-process worker) */
  onWork?: () => void;
}

export function createApp(platform: Platform, options: ImportAppOptions = {}): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'import');
  const http = new PoliteHttp(platform.config.imports);
  const credentialsKey = credentialsKeyOf(platform.config);
  app.use('/imports', requireAuth(platform));
  app.use('/imports/*', requireAuth(platform));

  app.post('/imports', async (c) => {
    const input = parseOrProblem(StartImport, await jsonBody(c.req.raw), 'import');
    authorize(c, 'asset:upload', input.projectId, 'project');
    const tasks = await listSource(platform, http, input.source);
    if (input.dryRun) {
      const toFetch = tasks.filter((t) => !t.settled).length;
      return c.json({
        dryRun: true,
        items: tasks.length,
        toFetch,
        settledAtListing: tasks.length - toFetch,
        shown: tasks.slice(0, DRY_RUN_ITEMS_SHOWN).map((t) => ({ url: t.item.url, title: t.item.title, host: t.host, ...(t.settled ? { state: t.settled.state, reason: t.settled.reason } : { state: 'pending' }) })),
      });
    }
    const id = randomUUID();
    const batch = await createImport(
      platform.db,
      // an S3 source's secret key is stored sealed (shared/import/credentials.ts)
      { id, project_id: input.projectId, owner: c.get('principal').subject, source_type: input.source.type, source: sealSource(input.source, credentialsKey, id), priority: input.priority, defaults: input.defaults },
      tasks,
    );
    options.onWork?.();
    return c.json(await describeImport(platform, batch), 201);
  });

  app.get('/imports/:id', async (c) => c.json(await describeImport(platform, await importFor(c, platform))));

  app.get('/imports/:id/tasks', async (c) => {
    const batch = await importFor(c, platform);
    const query = parseOrProblem(TaskQuery, c.req.query(), 'query');
    const tasks = await listTasks(platform.db, batch.id, { state: query.state, afterOrdinal: query.cursor, limit: query.limit });
    const nextCursor = tasks.length === query.limit ? String(tasks.at(-1)!.ordinal) : null;
    return c.json({ tasks: tasks.map(reportRow), nextCursor });
  });

  for (const [action, change] of [
    ['pause', (id: string) => setImportState(platform.db, id, 'running', 'paused')],
    ['resume', (id: string) => setImportState(platform.db, id, 'paused', 'running')],
    ['cancel', (id: string) => cancelImport(platform.db, id)],
  ] as const) {
    app.post(`/imports/:id/${action}`, async (c) => {
      const batch = await importFor(c, platform);
      if (!(await change(batch.id))) throw conflict(`the import is ${batch.state}; it cannot ${action === 'cancel' ? 'be cancelled' : action} now`);
      if (action === 'resume') options.onWork?.();
      return c.json(await describeImport(platform, (await findImport(platform.db, batch.id))!));
    });
  }

  app.get('/imports/:id/report', async (c) => {
    const batch = await importFor(c, platform);
    const { format } = parseOrProblem(ReportQuery, c.req.query(), 'query');
    const csv = format === 'csv' || (format === undefined && (c.req.header('accept') ?? '').includes('text/csv'));
    if (!csv) {
      const items = [];
      for await (const page of reportPages(platform, batch.id)) items.push(...page.map(reportRow));
      return c.json({ import: await describeImport(platform, batch), items });
    }
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header('content-disposition', `attachment; filename="import-${batch.id}.csv"`);
    return stream(c, async (out) => {
      await out.write(`${REPORT_COLUMNS.join(',')}\n`);
      for await (const page of reportPages(platform, batch.id)) {
        await out.write(page.map((task) => { const row = reportRow(task) as Record<string, unknown>; return REPORT_COLUMNS.map((k) => csvField(row[k])).join(','); }).join('\n') + '\n');
      }
    });
  });
  return app;
}

async function importFor(c: Context<AppEnv>, platform: Platform): Promise<Import> {
  const batch = await findImport(platform.db, c.req.param('id')!);
  if (!batch) throw notFound('import not found');
  authorize(c, 'asset:upload', batch.project_id, 'import');
  return batch;
}

/** Every item of the source as a task; rows that cannot be imported and repeats are settled at once, with why. */
async function listSource(platform: Platform, http: PoliteHttp, source: Source) {
  const provider = providerFor(source);
  const limit = platform.config.imports.maxItemsPerBatch;
  const tasks: NewTask[] = [];
  const seenUrls = new Map<string, number>();
  const seenHashes = new Map<string, number>();
  try {
    for await (const listed of provider.listItems(source, { http })) {
      if (tasks.length >= limit) throw badRequest(`the source lists more than ${limit} items (IMPORT_MAX_ITEMS); split it into several imports`);
      const { problem, ...item } = listed;
      const ordinal = tasks.length;
      let settled: { state: 'skipped' | 'failed'; reason: string } | undefined;
      if (problem) settled = { state: 'failed', reason: problem };
      else if (seenUrls.has(item.url)) settled = { state: 'skipped', reason: `duplicate: the same URL as item ${seenUrls.get(item.url)}` };
      else if (item.sha256 && seenHashes.has(item.sha256)) settled = { state: 'skipped', reason: `duplicate: the same SHA-256 as item ${seenHashes.get(item.sha256)}` };
      if (!settled) {
        seenUrls.set(item.url, ordinal);
        if (item.sha256) seenHashes.set(item.sha256, ordinal);
      }
      tasks.push({ id: randomUUID(), item, host: settled ? '' : provider.hostOf(item, source), settled });
    }
  } catch (error) {
    if (error instanceof FetchError) throw new Problem(422, 'Unprocessable Source', `the source cannot be listed: ${error.message}`);
    throw error;
  }
  if (tasks.length === 0) throw new Problem(422, 'Unprocessable Source', 'the source lists no items to import');
  return tasks;
}

async function describeImport(platform: Platform, batch: Import) {
  const [counts, assets, rate] = await Promise.all([taskCounts(platform.db, batch.id), assetOutcomes(platform.db, batch.id), throughput(platform.db, batch.id)]);
  const open = counts.pending + counts.fetching + counts.retrying;
  // running with nothing left = completed; cancelled while items are still in flight (they stop at their next lease renewal) = cancelling
  const state = batch.state === 'running' && open === 0 ? 'completed' : batch.state === 'cancelled' && counts.fetching > 0 ? 'cancelling' : batch.state;
  const finished = state === 'completed' || state === 'cancelled';
  const end = finished ? rate.lastSettledAt ?? new Date() : new Date();
  const seconds = rate.firstClaimAt ? Math.max(0.001, (end.getTime() - rate.firstClaimAt.getTime()) / 1000) : 0;
  return {
    id: batch.id,
    projectId: batch.project_id,
    state,
    priority: batch.priority,
    source: describeSource(batch.source as Source),
    defaults: batch.defaults,
    createdAt: new Date(batch.created_at).toISOString(),
    items: batch.item_count,
    counts,
    assets: assets.states,
    duplicates: assets.duplicates,
    // when the last task settled: the batch's own end, not when someone asked
    finishedAt: finished && rate.lastSettledAt ? rate.lastSettledAt.toISOString() : null,
    throughput: {
      settled: rate.settled,
      bytes: rate.bytes,
      seconds: Math.round(seconds * 1000) / 1000,
      itemsPerSecond: seconds ? Math.round((rate.settled / seconds) * 100) / 100 : 0,
      bytesPerSecond: seconds ? Math.round(rate.bytes / seconds) : 0,
    },
  };
}

async function* reportPages(platform: Platform, importId: string): AsyncGenerator<TaskWithAsset[]> {
  let after: number | undefined;
  for (;;) {
    const page = await listTasks(platform.db, importId, { afterOrdinal: after, limit: REPORT_PAGE });
    if (page.length > 0) yield page;
    if (page.length < REPORT_PAGE) return;
    after = page.at(-1)!.ordinal;
  }
}

const REPORT_COLUMNS = ['item', 'url', 'state', 'outcome', 'assetId', 'assetState', 'duplicateOf', 'reason', 'attempts', 'nextAttemptAt'] as const;

/** One source item and what became of it; `outcome` folds in the asset's own result (a duplicate found on arrival, a failure). */
function reportRow(task: TaskWithAsset) {
  const duplicateOf = task.duplicate_of ?? task.asset_duplicate_of;
  let outcome: string;
  if (task.state === 'uploaded') outcome = duplicateOf ? 'duplicate' : task.asset_state === 'failed' ? 'failed' : task.asset_state === 'ready' ? 'imported' : 'processing';
  else if (task.state === 'skipped') outcome = duplicateOf || task.reason?.startsWith('duplicate') ? 'duplicate' : 'skipped';
  else if (task.state === 'failed' || task.state === 'cancelled') outcome = task.state;
  else outcome = 'open';
  return {
    item: task.ordinal,
    url: task.item.url,
    title: task.item.title,
    state: task.state,
    outcome,
    assetId: task.asset_id,
    assetState: task.asset_state,
    duplicateOf,
    reason: task.state === 'uploaded' && task.asset_state === 'failed' ? task.asset_reason : task.reason,
    attempts: task.attempts,
    nextAttemptAt: task.next_attempt_at ? new Date(task.next_attempt_at).toISOString() : null,
  };
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
