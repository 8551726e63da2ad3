// Prometheus metrics: HTTP requests, event handling latency and outbox lag, one registry per process.
import { Counter, Gauge, Histogram, Registry } from './prometheus.ts';

export const registry = new Registry();
let defaultMetricsStarted: Promise<void> | undefined;

/** The exposition text. Process and runtime metrics start with the first scrape: starting them at import costs every cold start. */
export async function metricsText(): Promise<string> {
  // one promise, so that scrapes arriving together register the default metrics once
  defaultMetricsStarted ??= import('prom-client/lib/defaultMetrics.js').then(({ default: collectDefaultMetrics }) => collectDefaultMetrics({ register: registry }));
  await defaultMetricsStarted;
  return registry.metrics();
}

export const httpRequests = new Counter({
  name: 'mediateca_http_requests_total',
  help: 'HTTP requests by function, method, route and status',
  labelNames: ['fn', 'method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'mediateca_http_request_duration_seconds',
  help: 'HTTP request latency',
  labelNames: ['fn', 'method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const eventDuration = new Histogram({
  name: 'mediateca_event_handling_duration_seconds',
  help: 'Time to handle one CloudEvent, by consumer, type and outcome',
  labelNames: ['consumer', 'type', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const outboxLag = new Gauge({
  name: 'mediateca_outbox_lag_seconds',
  help: 'Age of the oldest unpublished outbox row',
  registers: [registry],
});

export const outboxPending = new Gauge({
  name: 'mediateca_outbox_pending',
  help: 'Unpublished outbox rows',
  registers: [registry],
});
