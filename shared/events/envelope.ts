// The CloudEvents 1.0 envelope as it travels between functions (HTTP and NATS bindings use it).
import { randomUUID } from 'node:crypto';
import { type CloudEvent, HTTP } from 'cloudevents';

export interface EventEnvelope<D = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: D;
}

export function newEvent<D>(type: string, source: string, data: D, subject?: string, id: string = randomUUID()): EventEnvelope<D> {
  return { specversion: '1.0', id, type, source, subject, time: new Date().toISOString(), datacontenttype: 'application/json', data };
}

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
  };
}
