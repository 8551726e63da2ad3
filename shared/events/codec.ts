// Reads CloudEvents with the SDK's HTTP codec, apart from envelope.ts so that functions which only create events
// (newEvent) do not load the SDK at start-up.
import { type CloudEvent, HTTP } from 'cloudevents';
import type { EventEnvelope } from './envelope.ts';

/**
 * Reads a CloudEvent in either HTTP binding mode (binary `ce-` headers or structured JSON) with the SDK's
 * codec, which the NATS binding reuses. Throws when it is not a valid CloudEvent: the codec does not
 * validate what it parsed, so a missing type or source is checked here.
 */
export function envelopeFromMessage(headers: Record<string, string>, body: string): EventEnvelope<unknown> {
  const parsed = HTTP.toEvent({ headers, body });
  const event = (Array.isArray(parsed) ? parsed[0] : parsed) as CloudEvent<unknown> | undefined;
  if (!event) throw new Error('empty CloudEvents batch');
  event.validate();
  return {
    specversion: '1.0',
    id: event.id,
    type: event.type,
    source: event.source,
    subject: event.subject,
    time: event.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    data: typeof event.data === 'string' ? JSON.parse(event.data) : event.data,
    ...(typeof event.traceparent === 'string' ? { traceparent: event.traceparent } : {}),
    ...(typeof event.tracestate === 'string' ? { tracestate: event.tracestate } : {}),
  };
}
