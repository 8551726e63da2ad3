// Delivering one CloudEvent to a function (`POST /`, HTTP binary mode) and reading what its answer means:
// 2xx = done, a permanent client error = dead letter, anything else (5xx, 429, network error) = retry later.
import { SpanKind, contextOf, currentTraceContext, inSpan } from '../observability/tracing.ts';
import { CloudEvent, HTTP } from 'cloudevents';
import { Counter } from '../observability/prometheus.ts';
import type { Logger } from '../observability/logger.ts';
import { registry } from '../observability/metrics.ts';
import type { EventEnvelope } from './envelope.ts';
import { EVENTS_SECRET_ATTRIBUTE } from './secret.ts';

export type DeliveryOutcome = 'ack' | 'retry' | 'dead-letter';
export interface DeliveryResult {
  outcome: DeliveryOutcome;
  /** why it was not acked (goes into logs and the `mediateca-dlq-reason` header) */
  reason?: string;
}

/** A Hono app's `fetch` in-process, or `remoteFunction(url)` for a deployed function. */
export type FunctionTarget = (request: Request) => Response | Promise<Response>;

// The event itself is unusable or the function cannot take it: retrying would give the same answer.
const PERMANENT_STATUSES = new Set([400, 404, 405, 409, 410, 413, 415, 422]);

export const deadLetters = new Counter({
  name: 'mediateca_dead_letters_total',
  help: 'Events given up on, by consumer and type',
  labelNames: ['consumer', 'type'] as const,
  registers: [registry],
});

/** `eventsSecret` goes along as an extension attribute (shared/events/secret.ts): function endpoints require it. */
export async function deliverToFunction(target: FunctionTarget, envelope: EventEnvelope<unknown>, eventsSecret?: string): Promise<DeliveryResult> {
  // one span per delivery, under the span that emitted the event; the consumer's spans come under this one
  const attributes = { 'cloudevents.event_id': envelope.id, 'cloudevents.event_type': envelope.type };
  return inSpan(`deliver ${envelope.type}`, { kind: SpanKind.PRODUCER, attributes, parent: contextOf(envelope) }, () => deliver(target, { ...envelope, ...currentTraceContext() }, eventsSecret));
}

async function deliver(target: FunctionTarget, envelope: EventEnvelope<unknown>, eventsSecret?: string): Promise<DeliveryResult> {
  let request: Request;
  try {
    const { headers, body } = HTTP.binary(new CloudEvent({ ...envelope, ...(eventsSecret === undefined ? {} : { [EVENTS_SECRET_ATTRIBUTE]: eventsSecret }) }));
    request = new Request('http://function/', { method: 'POST', headers: headers as Record<string, string>, body: body as string });
  } catch (error) {
    return { outcome: 'dead-letter', reason: `not a valid CloudEvent: ${(error as Error).message}` };
  }
  let response: Response;
  try {
    response = await target(request);
  } catch (error) {
    return { outcome: 'retry', reason: `delivery failed: ${(error as Error).message}` };
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { outcome: 'ack' };
  const reason = `HTTP ${response.status}: ${problemDetail(text)}`;
  return { outcome: PERMANENT_STATUSES.has(response.status) ? 'dead-letter' : 'retry', reason };
}

/** A deployed function: POSTs to `url` (a Knative Service URL, or `http://gateway:8080/function/<name>` on OpenFaaS). */
export function remoteFunction(url: string, timeoutMs = 15 * 60_000): FunctionTarget {
  return async (request) =>
    fetch(url, { method: request.method, headers: request.headers, body: await request.arrayBuffer(), signal: AbortSignal.timeout(timeoutMs) });
}

export function recordDeadLetter(logger: Logger, consumer: string, envelope: Pick<EventEnvelope, 'id' | 'type'>, reason: string): void {
  deadLetters.inc({ consumer, type: envelope.type });
  logger.error({ consumer, eventId: envelope.id, type: envelope.type, reason }, 'event dead-lettered');
}

function problemDetail(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: string; title?: string };
    if (problem.detail || problem.title) return String(problem.detail ?? problem.title);
  } catch {
    // not problem+json: the body itself says what went wrong
  }
  return text.slice(0, 500) || 'no body';
}
