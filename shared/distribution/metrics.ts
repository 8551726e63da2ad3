// Distribution metrics per channel: deliveries and retractions by outcome, retries, breaker state, delivery latency,
// and request → delivered (what an editor waits).
import { Counter, Gauge, Histogram } from '../observability/prometheus.ts';
import { registry } from '../observability/metrics.ts';

export const distributionAttempts = new Counter({
  name: 'mediateca_distribution_attempts_total',
  help: 'Delivery and retraction attempts per channel, by action (deliver, retract) and outcome (ok, retry, failed, breaker-open)',
  labelNames: ['channel', 'type', 'action', 'outcome'] as const,
  registers: [registry],
});

export const distributionBreakerState = new Gauge({
  name: 'mediateca_distribution_breaker_state',
  help: "A channel's circuit breaker in this process: 0 closed, 1 half-open, 2 open",
  labelNames: ['channel', 'type'] as const,
  registers: [registry],
});

export const distributionAttemptDuration = new Histogram({
  name: 'mediateca_distribution_attempt_duration_seconds',
  help: 'One delivery attempt to a channel, by outcome',
  labelNames: ['channel', 'type', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  registers: [registry],
});

export const distributionRequestToDelivered = new Histogram({
  name: 'mediateca_distribution_request_to_delivered_seconds',
  help: 'From the publication being due (requested, or its embargo over) to delivered',
  labelNames: ['type'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200],
  registers: [registry],
});
