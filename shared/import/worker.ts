// The import worker: claims tasks (highest priority first, batches of one priority in turn), fetches each item
// politely and hands it to the normal upload path. Any number of workers may run: claims never overlap, and a
// task whose worker died is taken again when its lease runs out. A task that already delivered its bytes is
// never fetched again: its asset is checked first.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import * as v from 'valibot';
import { findAsset } from '../db/assets.ts';
import { type ClaimedTask, claimTasks, findImportSource, noteTaskAsset, openTaskCounts, releaseTask, renewLease, settleTasks, type TaskOutcome } from '../db/imports.ts';
import type { Platform } from '../platform.ts';
import { Batched } from './batched.ts';
import { credentialsKeyOf, openSource } from './credentials.ts';
import { ingest } from './ingest.ts';
import { importFetchDuration, importTasksOpen, importTasksSettled } from './metrics.ts';
import { FetchError } from './net.ts';
import { PoliteHttp, RobotsDisallowed } from './polite-http.ts';
import { providerFor } from './providers/index.ts';
import { ImportSource } from './sources.ts';

const SOURCE_CACHE_SIZE = 32;

type StopReason = 'stopping' | 'cancelled' | 'lease lost';

export interface WorkerOptions {
  /** how often to look for work when nothing woke the worker */
  pollIntervalMs?: number;
}

export class ImportWorker {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly http: PoliteHttp;
  private readonly inFlight = new Map<string, { promise: Promise<void>; abort: (reason: StopReason) => void }>();
  private running = false;
  private loop?: Promise<void>;
  private wakeUp: () => void = () => {};
  private readonly pollIntervalMs: number;
  private gaugeRefreshedAt = 0;
  private readonly credentialsKey: Buffer;
  /** each batch's source, read and opened once (a URL list or CSV can be large: not re-read with every task) */
  private readonly sources = new Map<string, Promise<ImportSource>>();
  /**
   * Outcomes are written in batches, after the item gave its slot back: the next item need not wait for the
   * settle, and items that finish together share one statement. A task not settled yet stays `fetching` under
   * this worker's lease, its asset noted: were the worker to die, it is taken again and not fetched twice.
   */
  private readonly settles: Batched<{ task: ClaimedTask; outcome: TaskOutcome }, boolean>;

  constructor(private readonly platform: Platform, options: WorkerOptions = {}) {
    this.http = new PoliteHttp(platform.config.imports, platform.config.redisUrl);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.credentialsKey = credentialsKeyOf(platform.config);
    this.settles = new Batched(async (items) => {
      const settled = await settleTasks(platform.db, this.id, items);
      return items.map(({ task }) => settled.has(task.id));
    });
  }

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.loop = this.run();
    return this;
  }

  /** New or resumed work: look now instead of at the next poll. */
  wake(): void {
    this.wakeUp();
  }

  /** Stops claiming; items in flight are aborted and handed back (pending again at once). */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp();
    for (const task of this.inFlight.values()) task.abort('stopping');
    await this.loop;
    await Promise.allSettled([...this.inFlight.values()].map((t) => t.promise));
    await this.settles.idle();
    await this.http.close();
  }

  private async run(): Promise<void> {
    const { concurrency, leaseSeconds, hostConcurrency } = this.platform.config.imports;
    while (this.running) {
      try {
        // every free slot in one claim; fewer tasks than asked means nothing more is ready now
        while (this.running && this.inFlight.size < concurrency) {
          const free = concurrency - this.inFlight.size;
          const tasks = await claimTasks(this.platform.db, this.id, leaseSeconds, { limit: free, busyHosts: this.http.gate.busyHosts(), perHost: hostConcurrency });
          for (const task of tasks) this.track(task);
          if (tasks.length < free) break;
        }
        await this.refreshOpenGauge();
      } catch (error) {
        this.platform.logger.error({ err: error }, 'import worker: claiming failed; trying again');
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        this.wakeUp = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  private track(task: ClaimedTask): void {
    const controller = new AbortController();
    let stopReason: StopReason | undefined;
    const abort = (reason: StopReason) => {
      stopReason ??= reason;
      controller.abort(new FetchError(reason, false));
    };
    const { leaseSeconds } = this.platform.config.imports;
    const heartbeat = setInterval(() => {
      renewLease(this.platform.db, task.id, this.id, leaseSeconds)
        .then((status) => { if (status !== 'held') abort(status === 'cancelled' ? 'cancelled' : 'lease lost'); })
        .catch((error) => this.platform.logger.warn({ err: error, taskId: task.id }, 'import worker: lease renewal failed'));
    }, (leaseSeconds * 1000) / 3);
    const promise = this.process(task, controller.signal, () => stopReason)
      .catch((error) => this.platform.logger.error({ err: error, taskId: task.id }, 'import worker: task failed unexpectedly'))
      .finally(() => {
        clearInterval(heartbeat);
        this.inFlight.delete(task.id);
        this.wakeUp();
      });
    this.inFlight.set(task.id, { promise, abort });
  }

  private async process(task: ClaimedTask, signal: AbortSignal, stopReason: () => StopReason | undefined): Promise<void> {
    const { db } = this.platform;
    const log = this.platform.logger.child({ importId: task.import_id, taskId: task.id, url: task.item.url });
    if (task.asset_id && (await this.alreadyDelivered(task.asset_id))) {
      this.settle(task, { state: 'uploaded', assetId: task.asset_id }, log);
      log.info('bytes had already arrived before a restart; not fetched again');
      return;
    }
    const started = performance.now();
    let outcome: TaskOutcome;
    try {
      const source = await this.sourceOf(task.import_id);
      const provider = providerFor(source);
      const fetched = await provider.fetchItem(task.item, source, { http: this.http, signal });
      const result = await ingest(this.platform, fetched, {
        owner: task.owner,
        projectId: task.project_id,
        item: task.item,
        defaults: task.defaults,
        provider: source.type,
        signal,
        noteAsset: (assetId) => (db) => noteTaskAsset(db, task.id, this.id, assetId),
      });
      outcome = result.kind === 'uploaded'
        ? { state: 'uploaded', assetId: result.assetId, bytes: result.bytes }
        : { state: 'skipped', reason: `duplicate of asset ${result.duplicateOf} (same SHA-256)`, duplicateOf: result.duplicateOf };
    } catch (error) {
      const stop = stopReason();
      if (stop === 'stopping') {
        await releaseTask(db, task, this.id, 'the worker stopped; handed back');
        return;
      }
      if (stop === 'lease lost') return; // another worker holds it now
      outcome = stop === 'cancelled' ? { state: 'cancelled', reason: 'the import was cancelled' } : this.failure(task, error);
    }
    importFetchDuration.observe({ provider: task.source_type, outcome: outcome.state }, (performance.now() - started) / 1000);
    this.settle(task, outcome, log);
  }

  /** The batch's source, from the cache or read once (the few most recent batches are kept). */
  private sourceOf(importId: string): Promise<ImportSource> {
    let source = this.sources.get(importId);
    if (!source) {
      source = findImportSource(this.platform.db, importId).then((stored) => {
        if (!stored) throw new Error(`import ${importId} is gone`);
        return v.parse(ImportSource, openSource(stored, this.credentialsKey, importId));
      });
      source.catch(() => this.sources.delete(importId));
      this.sources.set(importId, source);
      if (this.sources.size > SOURCE_CACHE_SIZE) this.sources.delete(this.sources.keys().next().value!);
    }
    return source;
  }

  /** Robots: skipped. Permanent: failed at once. Otherwise retried after backoff (or the host's Retry-After) until attempts run out. */
  private failure(task: ClaimedTask, error: unknown): TaskOutcome {
    const { maxAttempts, retryBaseMs, retryMaxMs } = this.platform.config.imports;
    if (error instanceof RobotsDisallowed) return { state: 'skipped', reason: error.message };
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof FetchError && error.permanent) return { state: 'failed', reason };
    if (task.attempts >= maxAttempts) return { state: 'failed', reason: `${reason} (gave up after ${task.attempts} attempts)` };
    const backoff = backoffDelay(task.attempts, retryBaseMs, retryMaxMs);
    const delay = Math.max(backoff, error instanceof FetchError ? (error.retryAfterMs ?? 0) : 0);
    return { state: 'retrying', reason, nextAttemptAt: new Date(Date.now() + delay) };
  }

  /** Queues the outcome (see `settles`); a failed write leaves the task to be taken again when its lease runs out. */
  private settle(task: ClaimedTask, outcome: TaskOutcome, log: Platform['logger']): void {
    this.settles.add({ task, outcome }).then(
      (settled) => {
        if (!settled) return;
        importTasksSettled.inc({ state: outcome.state });
        if (outcome.state === 'uploaded') this.platform.outboxWritten();
        else log.info({ state: outcome.state, reason: outcome.reason }, 'import task settled');
      },
      (error) => log.error({ err: error }, 'import worker: settling failed; the task is taken again when its lease runs out'),
    );
  }

  /** A previous attempt created this asset: did its bytes reach the incoming bucket (or upload-complete already)? */
  private async alreadyDelivered(assetId: string): Promise<boolean> {
    const asset = await findAsset(this.platform.db, assetId);
    if (!asset) return false;
    if (asset.state !== 'uploading') return true;
    return (await this.platform.store.head(this.platform.store.buckets.incoming, asset.storage_key)) !== undefined;
  }

  /** The backlog gauge, at most every 5 s (a count over the open tasks). */
  private async refreshOpenGauge(): Promise<void> {
    if (Date.now() - this.gaugeRefreshedAt < 5_000) return;
    this.gaugeRefreshedAt = Date.now();
    const counts = await openTaskCounts(this.platform.db);
    for (const state of ['pending', 'fetching', 'retrying']) importTasksOpen.set({ state }, counts[state] ?? 0);
  }
}

/** Exponential backoff with decorrelated jitter (cockatiel's generator) for the given attempt (1, 2, …). */
export function backoffDelay(attempt: number, initialDelay: number, maxDelay: number): number {
  let backoff: IBackoff<unknown> = new ExponentialBackoff({ initialDelay, maxDelay }).next();
  for (let i = 1; i < attempt; i++) backoff = backoff.next(undefined);
  return backoff.duration;
}
