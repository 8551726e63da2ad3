// Gold: aggregates per project and day, computed from the whole silver catalogue each time silver changes (it
// is one row per asset, so this is a single pass). gold/daily.parquet: uploads and their bytes, failures, and the
// time each stage took (p50/p95, linear interpolation like DuckDB's quantile_cont), each counted on the day the
// stage finished; gold/enrichment.parquet: assets per model and outcome, on the day they were first enriched.
import type { ObjectStore } from '../storage/object-store.ts';
import { type TableSchema, parquetBuffer } from './parquet.ts';
import type { Row } from './silver.ts';

export const GOLD_DAILY_KEY = 'gold/daily.parquet';
export const GOLD_ENRICHMENT_KEY = 'gold/enrichment.parquet';
export const GOLD_PUBLICATIONS_KEY = 'gold/publications.parquet';

/** Distribution event type → the outcome gold/publications.parquet counts it as. */
export const PUBLICATION_OUTCOMES: Record<string, string> = {
  'io.mediateca.distribution.requested': 'requested',
  'io.mediateca.distribution.delivered': 'delivered',
  'io.mediateca.distribution.failed': 'failed',
  'io.mediateca.distribution.retracted': 'retracted',
};

export const GOLD_PUBLICATIONS_SCHEMA: TableSchema = {
  project_id: { type: 'UTF8' },
  day: { type: 'UTF8' },
  channel_id: { type: 'UTF8' },
  /** requested, delivered, failed (gave up), retracted */
  outcome: { type: 'UTF8' },
  publications: { type: 'INT64' },
};

/** Stage → [start, end] columns of the silver catalogue. */
export const STAGES = {
  upload: ['created_at', 'uploaded_at'],
  transcode: ['uploaded_at', 'rendered_at'],
  enrich: ['rendered_at', 'enriched_at'],
} as const;

export const GOLD_DAILY_SCHEMA: TableSchema = {
  project_id: { type: 'UTF8' },
  /** yyyy-mm-dd, UTC */
  day: { type: 'UTF8' },
  uploads: { type: 'INT64' },
  upload_bytes: { type: 'INT64' },
  failures: { type: 'INT64' },
  ...Object.fromEntries(Object.keys(STAGES).flatMap((stage) => [
    [`${stage}_count`, { type: 'INT64' }],
    [`${stage}_p50_ms`, { type: 'DOUBLE', optional: true }],
    [`${stage}_p95_ms`, { type: 'DOUBLE', optional: true }],
  ])),
};

export const GOLD_ENRICHMENT_SCHEMA: TableSchema = {
  project_id: { type: 'UTF8' },
  day: { type: 'UTF8' },
  part: { type: 'UTF8' },
  status: { type: 'UTF8' },
  assets: { type: 'INT64' },
};

export interface GoldTables {
  daily: Row[];
  enrichment: Row[];
}

export function goldTables(catalogue: Row[]): GoldTables {
  const days = new Map<string, { project_id: string; day: string; uploads: number; upload_bytes: number; failures: number; durations: Record<string, number[]> }>();
  const dayRow = (project: string, at: Date) => {
    const day = at.toISOString().slice(0, 10);
    const key = `${project}\u0000${day}`;
    if (!days.has(key)) days.set(key, { project_id: project, day, uploads: 0, upload_bytes: 0, failures: 0, durations: Object.fromEntries(Object.keys(STAGES).map((s) => [s, []])) });
    return days.get(key)!;
  };
  const outcomes = new Map<string, Row>();
  for (const asset of catalogue) {
    const project = asset.project_id as string;
    const uploaded = asset.uploaded_at as Date | null;
    if (uploaded) {
      const row = dayRow(project, uploaded);
      row.uploads += 1;
      row.upload_bytes += asset.size_bytes as number;
    }
    if (asset.failed_at) dayRow(project, asset.failed_at as Date).failures += 1;
    for (const [stage, [from, to]] of Object.entries(STAGES)) {
      const [start, end] = [asset[from] as Date | null, asset[to] as Date | null];
      if (start && end && end >= start) dayRow(project, end).durations[stage]!.push(end.getTime() - start.getTime());
    }
    if (asset.enriched_at && asset.enrichment) {
      const day = (asset.enriched_at as Date).toISOString().slice(0, 10);
      for (const [part, status] of Object.entries(JSON.parse(asset.enrichment as string) as Record<string, string>)) {
        const key = [project, day, part, status].join('\u0000');
        const row = outcomes.get(key) ?? { project_id: project, day, part, status, assets: 0 };
        row.assets = (row.assets as number) + 1;
        outcomes.set(key, row);
      }
    }
  }
  const daily = [...days.values()].map(({ durations, ...counts }) => ({
    ...counts,
    ...Object.fromEntries(Object.entries(durations).flatMap(([stage, values]) => [
      [`${stage}_count`, values.length],
      [`${stage}_p50_ms`, quantile(values, 0.5)],
      [`${stage}_p95_ms`, quantile(values, 0.95)],
    ])),
  }));
  const order = (a: Row, b: Row) => `${a.project_id}\u0000${a.day}\u0000${a.part ?? ''}\u0000${a.status ?? ''}`.localeCompare(`${b.project_id}\u0000${b.day}\u0000${b.part ?? ''}\u0000${b.status ?? ''}`);
  return { daily: daily.sort(order), enrichment: [...outcomes.values()].sort(order) };
}

/** Publications per project, day (of the event), channel and outcome, from the bronze distribution events. */
export function publicationTable(events: Row[]): Row[] {
  const counts = new Map<string, Row>();
  for (const event of events) {
    const outcome = PUBLICATION_OUTCOMES[event.type as string];
    if (!outcome) continue;
    const data = JSON.parse(event.data as string) as { projectId: string; channelId: string };
    const day = new Date(event.time as string).toISOString().slice(0, 10);
    const key = [data.projectId, day, data.channelId, outcome].join('\u0000');
    const row = counts.get(key) ?? { project_id: data.projectId, day, channel_id: data.channelId, outcome, publications: 0 };
    row.publications = (row.publications as number) + 1;
    counts.set(key, row);
  }
  const key = (r: Row) => [r.project_id, r.day, r.channel_id, r.outcome].join('\u0000');
  return [...counts.values()].sort((a, b) => key(a).localeCompare(key(b)));
}

export async function writeGold(store: ObjectStore, catalogue: Row[], distributionEvents: Row[] = []): Promise<GoldTables> {
  const tables = goldTables(catalogue);
  const publications = await parquetBuffer(GOLD_PUBLICATIONS_SCHEMA, publicationTable(distributionEvents));
  await store.put(store.buckets.analytics, GOLD_PUBLICATIONS_KEY, publications, 'application/vnd.apache.parquet', publications.length);
  const daily = await parquetBuffer(GOLD_DAILY_SCHEMA, tables.daily);
  const enrichment = await parquetBuffer(GOLD_ENRICHMENT_SCHEMA, tables.enrichment);
  await store.put(store.buckets.analytics, GOLD_DAILY_KEY, daily, 'application/vnd.apache.parquet', daily.length);
  await store.put(store.buckets.analytics, GOLD_ENRICHMENT_KEY, enrichment, 'application/vnd.apache.parquet', enrichment.length);
  return tables;
}

/** The q-quantile with linear interpolation between closest ranks (DuckDB's quantile_cont); null for no values. */
export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
