// Bulk import metrics: tasks per state (settled counts and the open backlog), fetch latency, bytes, throttling.
import { Counter, Gauge, Histogram } from '../observability/prometheus.ts';
import { registry } from '../observability/metrics.ts';

export const importTasksSettled = new Counter({
  name: 'mediateca_import_tasks_total',
  help: 'Import tasks that reached a state, by state (uploaded, skipped, retrying, failed)',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const importTasksOpen = new Gauge({
  name: 'mediateca_import_tasks_open',
  help: 'Import tasks not yet settled, by state (pending, fetching, retrying), over every batch',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const importFetchDuration = new Histogram({
  name: 'mediateca_import_fetch_duration_seconds',
  help: 'Time from the first request to the source until the bytes are in the incoming bucket',
  labelNames: ['provider', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  registers: [registry],
});

export const importBytes = new Counter({
  name: 'mediateca_import_bytes_total',
  help: 'Bytes streamed from sources into the incoming bucket',
  labelNames: ['provider'] as const,
  registers: [registry],
});

export const importThrottled = new Counter({
  name: 'mediateca_import_throttled_total',
  help: 'Requests held back for a host: by our own limits (limit) or because the host asked (server: 429/503, Retry-After)',
  labelNames: ['host', 'reason'] as const,
  registers: [registry],
});
