// Operators' routes (/admin/*), on index since a search replay projects assets with its code: dead letters,
// listed and redriven, and replays of the read models with no downtime (docs/analytics.md). Only admins of the
// operations project (AUTH_OPERATIONS_PROJECT, default `operations`) may call them: they act on every project.
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import * as v from 'valibot';
import { abandonReplayRuns, finishReplayRun, findReplayRun, insertReplayRun, runningReplay, touchReplayRun } from '../../shared/db/replay.ts';
import { can } from '../../shared/domain/permissions.ts';
import { type DeadLetter, type DeadLetterQueue, redriveAll } from '../../shared/events/dead-letters.ts';
import { type AppEnv, requireAuth } from '../../shared/http/app.ts';
import { Problem, conflict, forbidden, notFound } from '../../shared/http/problem.ts';
import { jsonBody, parseOrProblem } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { projectAsset } from './index.ts';

const Text = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(500));
export const DeadLetterQuery = v.object({
  consumer: v.optional(Text),
  type: v.optional(Text),
  reason: v.optional(Text),
  after: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'after is the id of the last dead letter of the previous page'))),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'limit is a number'), v.transform(Number), v.minValue(1), v.maxValue(500)), '100'),
});
export const BulkRedrive = v.strictObject({ consumer: v.optional(Text), type: v.optional(Text), reason: v.optional(Text) });
export const REPLAY_TARGETS = ['search', 'catalogue', 'all'] as const;
export const StartReplay = v.strictObject({ target: v.picklist(REPLAY_TARGETS, `target is one of ${REPLAY_TARGETS.join(', ')}`) });

// answers (the OpenAPI document's schemas: functions/web/api.ts)
export const DeadLetterAnswer = v.object({
  id: v.string(),
  consumer: v.string(),
  reason: v.string(),
  deadAt: v.string(),
  event: v.looseObject({ specversion: v.string(), id: v.string(), type: v.string(), source: v.string(), subject: v.optional(v.string()), time: v.optional(v.string()), data: v.unknown() }),
});
export const DeadLetterPageAnswer = v.object({ store: v.picklist(['jetstream', 'embedded']), deadLetters: v.array(DeadLetterAnswer), next: v.optional(v.string()) });
export const RedriveAnswer = v.object({ redriven: v.number(), ids: v.array(v.string()) });
export const ReplayRunAnswer = v.object({
  id: v.string(),
  target: v.picklist(REPLAY_TARGETS),
  state: v.picklist(['running', 'done', 'failed']),
  requestedBy: v.string(),
  startedAt: v.string(),
  finishedAt: v.nullable(v.string()),
  result: v.nullable(v.looseObject({})),
  error: v.nullable(v.string()),
});

/** A runner whose heartbeat is this old died with its process; its run no longer blocks a new one. */
const REPLAY_HEARTBEAT_MS = 15_000;
const REPLAY_STALE_MS = 4 * REPLAY_HEARTBEAT_MS;

export function adminRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.use('/admin/*', requireAuth(platform));
  app.use('/admin/*', async (c, next) => {
    const operations = platform.config.auth.operationsProject;
    if (!can(c.get('principal'), 'project:admin', operations)) throw forbidden(`only admins of the operations project (${operations}) may operate the platform`);
    await next();
  });

  let queue: Promise<DeadLetterQueue> | undefined;
  const deadLetters = () => (queue ??= openQueue(platform).catch((error) => { queue = undefined; throw error; }));

  app.get('/admin/dead-letters', async (c) => {
    const { limit, after, ...filter } = parseOrProblem(DeadLetterQuery, c.req.query(), 'dead-letter query');
    const store = await deadLetters();
    const page = await store.list(filter, { after, limit });
    return c.json({ store: store.kind, deadLetters: page.deadLetters.map(describe), ...(page.next ? { next: page.next } : {}) });
  });

  app.get('/admin/dead-letters/:id', async (c) => {
    const letter = await (await deadLetters()).get(c.req.param('id'));
    if (!letter) throw notFound(`no dead letter ${c.req.param('id')}`);
    return c.json(describe(letter));
  });

  app.post('/admin/dead-letters/:id/redrive', async (c) => {
    const id = c.req.param('id');
    if (!(await (await deadLetters()).redrive(id))) throw notFound(`no dead letter ${id} (it may have been redriven already)`);
    platform.logger.info({ deadLetter: id, by: c.get('principal').subject }, 'dead letter redriven');
    return c.json({ redriven: 1, ids: [id] }, 202);
  });

  // bulk: every dead letter of a consumer, a type, a reason (substring), or all of them with an empty body
  app.post('/admin/dead-letters/redrive', async (c) => {
    const filter = parseOrProblem(BulkRedrive, await jsonBody(c.req.raw), 'redrive filter');
    const result = await redriveAll(await deadLetters(), filter);
    platform.logger.info({ filter, redriven: result.redriven, by: c.get('principal').subject }, 'dead letters redriven');
    return c.json(result, 202);
  });

  // A replay runs in this process after the answer; its row says how it went (GET /admin/replays/:id).
  app.post('/admin/replays', async (c) => {
    const { target } = parseOrProblem(StartReplay, await jsonBody(c.req.raw), 'replay');
    if (target !== 'catalogue' && !platform.search.inTransaction) {
      throw new Problem(409, 'Conflict', 'search replay builds a new table beside the live one: it needs the PostgreSQL search index (the OpenSearch adapter would swap an alias; not wired yet)');
    }
    await abandonReplayRuns(platform.db, new Date(Date.now() - REPLAY_STALE_MS));
    const id = randomUUID();
    if (!(await insertReplayRun(platform.db, { id, target, requestedBy: c.get('principal').subject }))) {
      throw conflict('a replay is running; one at a time', { running: await runningReplay(platform.db) });
    }
    void runReplay(platform, id, target);
    return c.json(await replayRun(platform, id), 202, { location: `/admin/replays/${id}` });
  });

  app.get('/admin/replays/:id', async (c) => c.json(await replayRun(platform, c.req.param('id'))));
}

async function replayRun(platform: Platform, id: string) {
  const run = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? await findReplayRun(platform.db, id) : undefined;
  if (!run) throw notFound(`no replay ${id}`);
  return { ...run, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null };
}

async function openQueue(platform: Platform): Promise<DeadLetterQueue> {
  if (platform.deadLetters) return platform.deadLetters;
  if (!platform.config.natsUrl) throw new Problem(409, 'Conflict', 'dead letters are kept by the dev host (in-process delivery) or the JetStream stream: set NATS_URL');
  const [{ jetstreamManager }, { connectNats }, { jetStreamDeadLetters }] = await Promise.all([
    import('@nats-io/jetstream'), import('../../shared/events/nats-connection.ts'), import('../../shared/events/dead-letters.ts'),
  ]);
  const { nc } = await connectNats(platform.config.natsUrl, 'mediateca-index-admin', platform.logger);
  platform.deadLetters = jetStreamDeadLetters(await jetstreamManager(nc), platform.config.natsStream);
  return platform.deadLetters;
}

function describe(letter: DeadLetter) {
  return { id: letter.id, consumer: letter.consumer, reason: letter.reason, deadAt: letter.deadAt, event: letter.event };
}

async function runReplay(platform: Platform, id: string, target: (typeof REPLAY_TARGETS)[number]): Promise<void> {
  const heartbeat = setInterval(() => { touchReplayRun(platform.db, id).catch(() => {}); }, REPLAY_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const result: Record<string, unknown> = {};
    if (target === 'search' || target === 'all') {
      const { replaySearch } = await import('../../shared/search/replay.ts');
      result.search = await replaySearch(platform.db, (index, assetId) => projectAsset(platform.db, index, assetId));
    }
    if (target === 'catalogue' || target === 'all') {
      const { replayCatalogue } = await import('../../shared/analytics/export.ts');
      const run = await replayCatalogue(platform.db, platform.store, platform.config.analytics);
      if (!run.ran) throw new Error('an analytics export was running; the catalogue was not rebuilt (try again)');
      result.catalogue = { bronzeEvents: run.bronze?.events ?? 0, assets: run.silver?.assets ?? 0, renditions: run.silver?.renditions ?? 0 };
    }
    await finishReplayRun(platform.db, id, { result });
    platform.logger.info({ replay: id, target, result }, 'replay done');
  } catch (error) {
    platform.logger.error({ err: error, replay: id, target }, 'replay failed');
    await finishReplayRun(platform.db, id, { error: (error as Error).message }).catch(() => {});
  } finally {
    clearInterval(heartbeat);
  }
}
