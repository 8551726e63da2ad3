// The delivery loop: claims due publications per channel in one statement (its free slots, and as many again ahead of
// them, so a slot that frees starts the next delivery at once and a busy channel claims once per round of its
// concurrency, not once per delivery; the poll only finds channels nobody is working on) and runs each through that
// channel's adapter (one per channel, keeping its connections) and policies (cockatiel):
//   bulkhead (the channel's concurrency: a slow channel fills its own slots, never another channel's)
//   → circuit breaker (opens after consecutive failures, half-opens after a pause to let one probe through, closes on
//     success; its state is written to the channel row and to metrics)
//   → timeout (the channel's delivery timeout; the adapter's AbortSignal fires).
// Retries are durable: a failed attempt puts the publication back with its next time (exponential backoff with
// decorrelated jitter), and after the channel's last attempt it is dead-lettered (`failed`, with the reason, until
// redriven). Claims are leases: a worker that dies mid-delivery leaves the publication to be claimed again, and
// the adapter resumes from its checkpoint under the same idempotency key.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  timeout,
} from 'cockatiel';
import type { DistributionConfig } from '../config.ts';
import { type ClaimedPublication, type DeliverySettlement, changePublication, channelsSealedWithOtherKeys, channelsWithDueWork, claimDue, releaseClaim, renewLease, replaceCredentials, saveCheckpoint, setBreakerState, settleDeliveries } from '../db/distribution.ts';
import type { ChannelRow, Publication } from '../db/schema.ts';
import { EVENT_SOURCE } from '../events/catalog.ts';
import { newEvent } from '../events/envelope.ts';
import { dayOf } from '../domain/metadata-schema.ts';
import type { Platform } from '../platform.ts';
import { openChannel } from './adapters/index.ts';
import { type AssetSidecar, type Channel, type ChannelType, type DeliveryFile, PermanentDeliveryError, destinationName, isPermanent } from './channel.ts';
import { distributionAttemptDuration, distributionAttempts, distributionBreakerState, distributionRequestToDelivered } from './metrics.ts';
import { DISTRIBUTION_EVENTS, RIGHTS_EXPIRED, publicationRef, publishProblem, retractedEvent } from './publish.ts';
import type { SecretBox } from './secrets.ts';

export type ChannelSettings = DistributionConfig['defaults'];

/** the asset's rights expired before this attempt: not delivered, retracted (never a failure, never counts for the breaker) */
class RightsExpiredError extends PermanentDeliveryError {}

export function channelSettings(config: DistributionConfig, channel: Pick<ChannelRow, 'settings'>): ChannelSettings {
  return { ...config.defaults, ...(channel.settings as Partial<ChannelSettings>) };
}

interface ChannelRuntime {
  channel: ChannelRow;
  version: number;
  settings: ChannelSettings;
  /** the channel's adapter, kept while the channel is unchanged: its connections are reused across deliveries */
  adapter: Channel;
  /** attempts running on this channel in this process */
  active: number;
  /** claimed ahead, waiting for a free slot (their leases renewed meanwhile) */
  ready: Held[];
  /** the last claim found less than it asked for: freed slots claim no more until a poll finds due work again */
  drained: boolean;
  /** a claim for this channel is under way; `pumpAgain`: look once more when it ends */
  pumping?: Promise<void>;
  pumpAgain: boolean;
  /** one of the pumps asked for meanwhile was `fresh` */
  freshAgain: boolean;
  /** the channel changed: this runtime's adapter is closed once its last attempt ends */
  retired: boolean;
  bulkhead: BulkheadPolicy;
  breaker: CircuitBreakerPolicy;
  /** when the breaker last opened: cockatiel half-opens on the first call after the pause, so the probe is ours to send */
  openedAt: number;
}

/** a claimed publication and the timer that keeps its lease */
interface Held {
  publication: ClaimedPublication;
  renewal: NodeJS.Timeout;
}

const BREAKER_NAMES: Record<CircuitState, string> = { [CircuitState.Closed]: 'closed', [CircuitState.HalfOpen]: 'half-open', [CircuitState.Open]: 'open', [CircuitState.Isolated]: 'open' };
const BREAKER_VALUES: Record<CircuitState, number> = { [CircuitState.Closed]: 0, [CircuitState.HalfOpen]: 1, [CircuitState.Open]: 2, [CircuitState.Isolated]: 2 };

export interface WorkerOptions {
  /** the clock embargoes and retry times are read against (tests pass their own) */
  now?: () => Date;
}

export class DistributionWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly runtimes = new Map<string, ChannelRuntime>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly pumps = new Set<Promise<void>>();
  private readonly now: () => Date;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private pollAgain = false;
  private stopping = false;
  private resealing?: Promise<unknown>;
  private readonly settleQueue: { settlement: DeliverySettlement; resolve: (row: Publication | undefined) => void; reject: (error: unknown) => void }[] = [];
  private settling?: Promise<void>;

  constructor(
    private readonly platform: Platform,
    private readonly secrets: SecretBox,
    options: WorkerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  start(): this {
    this.timer = setInterval(() => this.wake(), this.platform.config.distribution.pollIntervalMs);
    this.timer.unref();
    this.resealing = this.resealCredentials().catch((error) => this.platform.logger.error({ err: error }, 'could not re-seal channel credentials with the current key'));
    this.wake();
    return this;
  }

  /** Key rotation, finished: credentials still sealed with an older key are sealed again with the current one. */
  async resealCredentials(): Promise<number> {
    let count = 0;
    for (const channel of await channelsSealedWithOtherKeys(this.platform.db, this.secrets.currentKeyId)) {
      await replaceCredentials(this.platform.db, channel.id, channel.credentials, this.secrets.reencrypt(channel.credentials));
      count++;
    }
    if (count) this.platform.logger.info({ channels: count, key: this.secrets.currentKeyId }, 'channel credentials re-sealed with the current key');
    return count;
  }

  /** looks for due work now (a publication was requested, a test moved its clock) */
  wake(): void {
    if (this.stopping) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.poll()
      .catch((error) => this.platform.logger.error({ err: error }, 'distribution poll failed'))
      .finally(() => {
        this.polling = undefined;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.wake();
        }
      });
  }

  /** one pass: finds the channels with due work and lets each claim what its free slots and breaker allow */
  async poll(): Promise<void> {
    const now = this.now();
    const pumps: Promise<void>[] = [];
    for (const channel of await channelsWithDueWork(this.platform.db, now)) pumps.push(this.pump(this.runtimeFor(channel), true));
    await Promise.all(pumps);
  }

  /**
   * Starts what the channel has claimed ahead in its free slots, then claims (one statement) for the slots still
   * free and to refill the ahead queue once it ran below the channel's concurrency. `fresh`: there may be new due work
   * (a poll found it, a breaker may half-open, a retraction became due), so a drained channel claims again. An attempt
   * that ends pumps its own channel, so a busy channel never waits for the next poll.
   */
  private pump(runtime: ChannelRuntime, fresh = false): Promise<void> {
    if (this.stopping || runtime.retired) return Promise.resolve();
    if (fresh) runtime.drained = false;
    this.startReady(runtime);
    if (runtime.pumping) {
      // the claim under way may have read before the new work: look again when it ends
      runtime.pumpAgain = true;
      runtime.freshAgain ||= fresh;
      return runtime.pumping;
    }
    const claim = async () => {
      const slots = this.slotsFree(runtime);
      if (slots === undefined || runtime.drained) return;
      const { concurrency } = runtime.settings;
      // nothing is claimed ahead for a breaker that is not closed: it lets one probe through
      const ahead = runtime.breaker.state === CircuitState.Closed && runtime.ready.length < concurrency ? 2 * concurrency - runtime.ready.length : 0;
      const wanted = Math.max(0, slots - runtime.ready.length) + ahead;
      if (wanted <= 0) return;
      const claimed = await claimDue(this.platform.db, runtime.channel.id, this.now(), this.owner, this.platform.config.distribution.leaseSeconds, wanted);
      if (claimed.length < wanted) runtime.drained = true;
      for (const publication of claimed) runtime.ready.push({ publication, renewal: this.keepLease(publication) });
      if (this.stopping || runtime.retired) await this.releaseReady(runtime);
      else this.startReady(runtime);
    };
    const pumping = claim()
      .catch((error) => this.platform.logger.error({ err: error, channel: runtime.channel.name }, 'distribution claim failed'))
      .finally(() => {
        runtime.pumping = undefined;
        if (runtime.pumpAgain) {
          const fresh = runtime.freshAgain;
          runtime.pumpAgain = runtime.freshAgain = false;
          void this.pump(runtime, fresh);
        }
      });
    runtime.pumping = pumping;
    this.pumps.add(pumping);
    void pumping.finally(() => this.pumps.delete(pumping));
    return pumping;
  }

  /** Slots the channel may start now: its free ones, one while its breaker lets a probe through, none while it is open. */
  private slotsFree(runtime: ChannelRuntime): number | undefined {
    const open = runtime.breaker.state === CircuitState.Open || runtime.breaker.state === CircuitState.HalfOpen;
    if (open && Date.now() - runtime.openedAt < runtime.settings.breakerHalfOpenMs) return undefined;
    const free = runtime.settings.concurrency - runtime.active;
    return open ? Math.min(1, free) : free;
  }

  /** Starts claimed publications in the channel's free slots. */
  private startReady(runtime: ChannelRuntime): void {
    let slots = this.slotsFree(runtime) ?? 0;
    while (slots-- > 0 && runtime.ready.length > 0) {
      const { publication, renewal } = runtime.ready.shift()!;
      runtime.active++;
      let freed = false;
      // the slot is the channel's: it is free once the channel is done, while the settle may still be under way
      const freeSlot = () => {
        if (freed) return;
        freed = true;
        runtime.active--;
        if (runtime.retired && runtime.active === 0) this.closeAdapter(runtime);
        else void this.pump(runtime);
      };
      const run = this.run(runtime.channel, runtime, publication, freeSlot).finally(() => {
        clearInterval(renewal);
        freeSlot();
        this.inFlight.delete(run);
      });
      this.inFlight.add(run);
    }
  }

  /** Renews a claimed publication's lease while it waits and while it is delivered. */
  private keepLease(publication: ClaimedPublication): NodeJS.Timeout {
    const leaseMs = this.platform.config.distribution.leaseSeconds * 1000;
    const renewal = setInterval(() => { renewLease(this.platform.db, publication.id, this.owner, new Date(this.now().getTime() + leaseMs)).catch(() => {}); }, leaseMs / 3);
    renewal.unref();
    return renewal;
  }

  /** Hands back what a channel claimed ahead and never started (stopping, or the channel changed): due again at once. */
  private async releaseReady(runtime: ChannelRuntime): Promise<void> {
    const held = runtime.ready.splice(0);
    for (const { renewal } of held) clearInterval(renewal);
    await Promise.all(held.map(({ publication }) => releaseClaim(this.platform.db, publication.id, this.owner, this.now())));
  }

  /** waits for every attempt in flight (tests, shutdown) */
  async idle(): Promise<void> {
    while (this.polling || this.inFlight.size > 0 || this.pumps.size > 0) await Promise.allSettled([this.polling, ...this.inFlight, ...this.pumps]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.resealing;
    await Promise.all([...this.runtimes.values()].map((runtime) => this.releaseReady(runtime)));
    await this.idle();
    await Promise.all([...this.runtimes.values()].map((runtime) => runtime.adapter.close().catch(() => {})));
    this.runtimes.clear();
  }

  /** the breaker state this process sees for a channel (closed when it has not run anything on it) */
  breakerState(channelId: string): string {
    const runtime = this.runtimes.get(channelId);
    return runtime ? BREAKER_NAMES[runtime.breaker.state] : 'closed';
  }

  private runtimeFor(channel: ChannelRow): ChannelRuntime {
    const known = this.runtimes.get(channel.id);
    if (known && known.version === channel.version) {
      known.channel = channel; // the breaker state column changes without a new version
      return known;
    }
    if (known) {
      // changed target, credentials or settings: new connections; the old ones close when their attempts end
      known.retired = true;
      void this.releaseReady(known).catch((error) => this.platform.logger.warn({ err: error, channel: known.channel.name }, 'could not hand back claimed publications'));
      if (known.active === 0) this.closeAdapter(known);
    }
    const config = this.platform.config.distribution;
    const settings = channelSettings(config, channel);
    const adapter = openChannel(channel.type as ChannelType, channel.target, this.secrets.decrypt(channel.credentials), { maxConnections: settings.concurrency, idleMs: config.connectionIdleMs, network: config.network });
    // A refusal (4xx, bad credentials) says nothing about the channel's health: only transient failures count.
    const breaker = circuitBreaker(handleWhen((error) => !isPermanent(error)), { halfOpenAfter: settings.breakerHalfOpenMs, breaker: new ConsecutiveBreaker(settings.breakerThreshold) });
    // The recorded state follows the transitions in order: half-open and closed come a moment apart, and two writes in
    // flight at once on different connections could land the other way round.
    let stateWrites = Promise.resolve();
    breaker.onStateChange((state) => {
      distributionBreakerState.set({ channel: channel.name, type: channel.type }, BREAKER_VALUES[state]);
      stateWrites = stateWrites.then(() => setBreakerState(this.platform.db, channel.id, BREAKER_NAMES[state])).catch((error) => this.platform.logger.warn({ err: error }, 'could not record the breaker state'));
      this.platform.logger.info({ channel: channel.name, breaker: BREAKER_NAMES[state] }, 'channel breaker changed');
    });
    // Opening schedules nothing by itself: look again once the breaker may half-open.
    const runtime: ChannelRuntime = { channel, version: channel.version, settings, adapter, active: 0, ready: [], drained: false, pumpAgain: false, freshAgain: false, retired: false, bulkhead: bulkhead(settings.concurrency, 0), breaker, openedAt: 0 };
    breaker.onBreak(() => {
      runtime.openedAt = Date.now();
      setTimeout(() => void this.pump(runtime, true), settings.breakerHalfOpenMs + 10).unref();
    });
    this.runtimes.set(channel.id, runtime);
    return runtime;
  }

  private async run(channel: ChannelRow, runtime: ChannelRuntime, publication: ClaimedPublication, freeSlot: () => void): Promise<void> {
    const action = publication.state === 'retracting' ? 'retract' : 'deliver';
    const labels = { channel: channel.name, type: channel.type };
    const started = performance.now();
    try {
      const { adapter } = runtime;
      // the signal fires on timeout only: the adapters run one step at a time and leave nothing behind when they
      // return, and aborting on every return built an AbortError (a DOMException with its stack) per delivery
      const attempt = timeout(runtime.settings.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
      let delivered: Awaited<ReturnType<Channel['deliver']>> | undefined;
      await runtime.bulkhead.execute(() =>
        runtime.breaker.execute(() =>
          attempt.execute(async ({ signal }) => {
            if (action === 'retract') {
              await adapter.retract({ externalId: publication.external_id ?? '', ref: (publication.checkpoint as { ref?: Record<string, unknown> }).ref ?? {}, idempotencyKey: publication.idempotency_key, signal });
              return;
            }
            const { files, sidecar } = this.contents(publication);
            delivered = await adapter.deliver({
              idempotencyKey: publication.idempotency_key,
              asset: sidecar,
              files,
              resumeFrom: publication.checkpoint as Record<string, unknown>,
              checkpoint: (data) => saveCheckpoint(this.platform.db, publication.id, this.owner, data),
              signal,
            });
          }),
        ),
      );
      // the channel is done with it: its slot claims the next one while this settles (a failed settle is retried
      // like a failed attempt; the receiver dedups on the idempotency key)
      freeSlot();
      if (action === 'retract') await this.settleRetracted(publication);
      else await this.settleDelivered(channel, publication, delivered!);
      distributionAttempts.inc({ ...labels, action, outcome: 'ok' });
      distributionAttemptDuration.observe({ ...labels, outcome: 'ok' }, (performance.now() - started) / 1000);
    } catch (error) {
      if (error instanceof RightsExpiredError) {
        // an embargo or a retry that ends after the rights expiry: never delivered, retracted as the consumer would
        distributionAttempts.inc({ ...labels, action, outcome: 'rights-expired' });
        await this.settleRightsExpired(publication);
        return;
      }
      if (isBrokenCircuitError(error)) {
        distributionAttempts.inc({ ...labels, action, outcome: 'breaker-open' });
        await releaseClaim(this.platform.db, publication.id, this.owner, new Date(this.now().getTime() + runtime.settings.breakerHalfOpenMs));
        return;
      }
      distributionAttemptDuration.observe({ ...labels, outcome: 'failed' }, (performance.now() - started) / 1000);
      await this.settleFailure(channel, runtime, publication, action, error as Error);
    }
  }

  private closeAdapter(runtime: ChannelRuntime): void {
    runtime.adapter.close().catch((error) => this.platform.logger.warn({ err: error, channel: runtime.channel.name }, 'could not close the channel\'s connections'));
    if (this.runtimes.get(runtime.channel.id) === runtime) this.runtimes.delete(runtime.channel.id);
  }

  /** The files and the sidecar of the publication's asset (read with the claim); a problem with the asset itself is permanent. */
  private contents(publication: ClaimedPublication): { files: DeliveryFile[]; sidecar: AssetSidecar } {
    const { store, config } = this.platform;
    if (!publication.source) throw new PermanentDeliveryError('the asset no longer exists');
    const { asset, renditions: renditionRows, metadata } = publication.source;
    const problem = publishProblem(asset, this.now());
    if (problem === RIGHTS_EXPIRED) throw new RightsExpiredError(problem);
    if (problem) throw new PermanentDeliveryError(`not published: ${problem}`);
    const renditions = new Map(renditionRows.map((r) => [r.name, r]));
    const files = publication.renditions.map((name): DeliveryFile => {
      const source = name === 'original'
        ? { bucket: config.buckets.masters, key: asset.storage_key, contentType: asset.content_type, size: Number(asset.size_bytes) }
        : { bucket: config.buckets.renditions, key: renditions.get(name)?.storage_key, contentType: renditions.get(name)?.content_type ?? '', size: Number(renditions.get(name)?.size_bytes ?? 0) };
      if (!source.key) throw new PermanentDeliveryError(`the asset has no ${name} rendition any more`);
      const filename = destinationName(asset.id, name, source.key);
      return {
        name,
        filename,
        contentType: source.contentType,
        size: source.size,
        open: (start = 0) => store.getStream(source.bucket, source.key!, start > 0 ? { start, end: source.size - 1 } : undefined),
        url: () => store.presignGet(source.bucket, source.key!, config.distribution.urlTtlSeconds, filename),
      };
    });
    const sidecar: AssetSidecar = {
      id: asset.id,
      projectId: asset.project_id,
      version: publication.asset_version,
      title: asset.title,
      description: asset.description,
      tags: asset.tags,
      mediaType: asset.media_type,
      filename: asset.filename,
      metadata: { technical: metadata.technical ?? {}, descriptive: metadata.descriptive ?? {} },
      publicationId: publication.id,
      idempotencyKey: publication.idempotency_key,
      files: files.map(({ name, filename, contentType, size }) => ({ name, filename, contentType, size })),
    };
    return { files, sidecar };
  }

  private async settleDelivered(channel: ChannelRow, publication: Publication, delivered: { externalId: string; externalUrl?: string; ref: Record<string, unknown> }): Promise<void> {
    const settled = await this.settleTogether({
      publication,
      externalId: delivered.externalId,
      externalUrl: delivered.externalUrl ?? null,
      checkpoint: { ref: delivered.ref },
      event: newEvent(DISTRIBUTION_EVENTS.delivered, EVENT_SOURCE, { ...publicationRef(publication), externalId: delivered.externalId, externalUrl: delivered.externalUrl ?? null }, publication.asset_id),
    });
    if (settled) distributionRequestToDelivered.observe({ type: channel.type }, Math.max(0, new Date(settled.delivered_at!).getTime() - new Date(publication.not_before).getTime()) / 1000);
    this.platform.outboxWritten();
    // the rights expired while it went out: it is retracted from the channel at once
    if (settled?.state === 'retracting') void this.pump(this.runtimes.get(channel.id) ?? this.runtimeFor(channel), true);
  }

  /**
   * Group commit: deliveries that finish while a settle statement runs are settled together by the next one (one
   * round trip for the batch instead of one transaction each).
   */
  private settleTogether(settlement: DeliverySettlement): Promise<Publication | undefined> {
    return new Promise((resolve, reject) => {
      this.settleQueue.push({ settlement, resolve, reject });
      this.settling ??= this.settleQueued();
    });
  }

  private async settleQueued(): Promise<void> {
    while (this.settleQueue.length > 0) {
      const batch = this.settleQueue.splice(0);
      try {
        const now = this.now();
        const rows = await settleDeliveries(this.platform.db, this.owner, now, dayOf(now), RIGHTS_EXPIRED, batch.map((entry) => entry.settlement));
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const entry of batch) entry.resolve(byId.get(entry.settlement.publication.id));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.settling = undefined;
  }

  private async settleRightsExpired(publication: Publication): Promise<void> {
    await changePublication(this.platform.db, publication.id, {
      from: ['delivering'],
      to: 'retracted',
      leaseOwner: this.owner,
      actor: this.owner,
      reason: RIGHTS_EXPIRED,
      set: { due_at: null, retracted_at: this.now(), last_error: null },
      events: [retractedEvent(publication, RIGHTS_EXPIRED)],
    });
    this.platform.outboxWritten();
  }

  private async settleRetracted(publication: Publication): Promise<void> {
    await changePublication(this.platform.db, publication.id, {
      from: ['retracting'],
      to: 'retracted',
      leaseOwner: this.owner,
      actor: this.owner,
      set: { due_at: null, retracted_at: this.now(), last_error: null },
      events: [retractedEvent(publication, 'retracted from the channel')],
    });
    this.platform.outboxWritten();
  }

  private async settleFailure(channel: ChannelRow, runtime: ChannelRuntime, publication: Publication, action: 'deliver' | 'retract', error: Error): Promise<void> {
    const labels = { channel: channel.name, type: channel.type, action };
    // (cockatiel 3.2's isTaskCancelledError tests the bulkhead's marker, so instanceof it is)
    const reason = error instanceof TaskCancelledError ? `timed out after ${runtime.settings.timeoutMs} ms` : error.message || String(error);
    const attempts = publication.attempts + 1;
    const permanent = isPermanent(error);
    const retryAt = new Date(this.now().getTime() + retryDelayMs(runtime.settings, attempts));
    this.platform.logger.warn({ channel: channel.name, publication: publication.id, action, attempts, reason }, 'distribution attempt failed');
    if (action === 'retract') {
      // A retraction is never given up: a delivered asset must not stay out. It retries on the backoff's ceiling.
      distributionAttempts.inc({ ...labels, outcome: 'retry' });
      await changePublication(this.platform.db, publication.id, { from: ['retracting'], to: 'retracting', leaseOwner: this.owner, actor: this.owner, reason, set: { attempts, last_error: reason, due_at: retryAt } });
      return;
    }
    if (permanent || attempts >= runtime.settings.maxAttempts) {
      distributionAttempts.inc({ ...labels, outcome: 'failed' });
      const deadLetter = permanent ? reason : `gave up after ${attempts} attempts: ${reason}`;
      await changePublication(this.platform.db, publication.id, {
        from: ['delivering'],
        to: 'failed',
        leaseOwner: this.owner,
        actor: this.owner,
        reason: deadLetter,
        set: { attempts, last_error: deadLetter, due_at: null },
        events: [newEvent(DISTRIBUTION_EVENTS.failed, EVENT_SOURCE, { ...publicationRef(publication), reason: deadLetter, attempts }, publication.asset_id)],
      });
      this.platform.outboxWritten();
      return;
    }
    distributionAttempts.inc({ ...labels, outcome: 'retry' });
    await changePublication(this.platform.db, publication.id, { from: ['delivering'], to: 'pending', leaseOwner: this.owner, actor: this.owner, reason, set: { attempts, last_error: reason, due_at: retryAt } });
  }
}

/** the pause before attempt `attempts + 1`: exponential from retryBaseMs, capped at retryMaxMs, decorrelated jitter */
export function retryDelayMs(settings: Pick<ChannelSettings, 'retryBaseMs' | 'retryMaxMs'>, attempts: number): number {
  let backoff = new ExponentialBackoff({ initialDelay: settings.retryBaseMs, maxDelay: settings.retryMaxMs }).next();
  for (let i = 1; i < attempts; i++) backoff = backoff.next(undefined);
  return backoff.duration;
}
