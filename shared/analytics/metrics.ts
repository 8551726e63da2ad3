// Business metrics beside the technical ones (/metrics, Prometheus):
//  - mediateca_assets{state,media_type} and mediateca_publications{channel_type,state}: read from the database at
//    each scrape (every process that registers them reports the same numbers: aggregate with max());
//  - mediateca_asset_stage_seconds{stage}: upload (created → verified), transcode (verified → renditions made),
//    enrich (renditions → enriched) and ready (created → renditions made: time to ready), observed by index when
//    the stage's first end reaches it;
//  - mediateca_enrichment_outcomes_total{model,outcome}: each model's result per asset (done, skipped, unavailable,
//    failed), counted by index;
//  - mediateca_searches_total{mode,results}: searches by mode, with results=none for the zero-result rate.
// Distribution's own (mediateca_distribution_attempts_total{channel,type,action,outcome}…) are in
// shared/distribution/metrics.ts.
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram } from '../observability/prometheus.ts';
import { assetCounts, publicationCounts, stageEvents } from '../db/business-metrics.ts';
import type { DB } from '../db/schema.ts';
import { registry } from '../observability/metrics.ts';

export const assetStageSeconds = new Histogram({
  name: 'mediateca_asset_stage_seconds',
  help: 'Time an asset spent in each stage: upload, transcode, enrich, and ready (created → renditions made)',
  labelNames: ['stage'] as const,
  buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600],
  registers: [registry],
});

export const enrichmentOutcomes = new Counter({
  name: 'mediateca_enrichment_outcomes_total',
  help: "Enrichment results per model and outcome (done, skipped, unavailable, failed)",
  labelNames: ['model', 'outcome'] as const,
  registers: [registry],
});

export const searches = new Counter({
  name: 'mediateca_searches_total',
  help: 'Searches by mode (text, semantic, hybrid, or default) and whether they found anything (results: some | none)',
  labelNames: ['mode', 'results'] as const,
  registers: [registry],
});

export function countSearch(mode: string | undefined, total: number): void {
  searches.inc({ mode: mode ?? 'default', results: total > 0 ? 'some' : 'none' });
}

let gaugesDb: Kysely<DB> | undefined;
/** The database the scrape-time gauges read (the first platform of this process to ask). */
export function reportCatalogueGauges(db: Kysely<DB>): void {
  gaugesDb ??= db;
}

new Gauge({
  name: 'mediateca_assets',
  help: 'Assets by state and media type (read from the database at each scrape)',
  labelNames: ['state', 'media_type'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!gaugesDb) return;
    for (const row of await assetCounts(gaugesDb)) this.set({ state: row.state, media_type: row.mediaType }, row.n);
  },
});

new Gauge({
  name: 'mediateca_publications',
  help: 'Publications by channel type and state (read from the database at each scrape)',
  labelNames: ['channel_type', 'state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!gaugesDb) return;
    for (const row of await publicationCounts(gaugesDb)) this.set({ channel_type: row.channelType, state: row.state }, row.n);
  },
});

const UPLOADED = 'io.mediateca.asset.uploaded';
const RENDERED = 'io.mediateca.asset.rendered';
const ENRICHED = 'io.mediateca.asset.enriched';

/**
 * Observes the stages an event ends (asset.rendered: upload, transcode, ready; asset.enriched: enrich, and the
 * models' outcomes), once per asset: only the first such event counts (a reprocess is not a new upload).
 */
export async function observeStageEnd(db: Kysely<DB>, event: { id: string; type: string; data: { assetId: string; parts?: Record<string, { status: string }> } }): Promise<void> {
  if (event.type !== RENDERED && event.type !== ENRICHED) return;
  const { createdAt, events } = await stageEvents(db, event.data.assetId, [UPLOADED, RENDERED, ENRICHED]);
  const own = events.get(event.type);
  if (own?.firstEventId !== event.id) return;
  const seconds = (from: Date | undefined, to: Date | undefined) => (from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : undefined);
  const observe = (stage: string, value: number | undefined) => { if (value !== undefined) assetStageSeconds.observe({ stage }, value); };
  if (event.type === RENDERED) {
    const uploaded = events.get(UPLOADED)?.at;
    observe('upload', seconds(createdAt, uploaded));
    observe('transcode', seconds(uploaded, own.at));
    observe('ready', seconds(createdAt, own.at));
  } else {
    observe('enrich', seconds(events.get(RENDERED)?.at, own.at));
    for (const [model, part] of Object.entries(event.data.parts ?? {})) enrichmentOutcomes.inc({ model, outcome: part.status });
  }
}
