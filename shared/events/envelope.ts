// The CloudEvents 1.0 envelope as it travels between functions (HTTP and NATS bindings use it).
import { randomUUID } from 'node:crypto';
import { currentTraceContext } from '../observability/tracing.ts';

export interface EventEnvelope<D = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: D;
  /** W3C trace context of the span that emitted it (CloudEvents distributed-tracing extension); absent when tracing is off */
  traceparent?: string;
  tracestate?: string;
}

export function newEvent<D>(type: string, source: string, data: D, subject?: string, id: string = randomUUID()): EventEnvelope<D> {
  return { specversion: '1.0', id, type, source, subject, time: new Date().toISOString(), datacontenttype: 'application/json', data, ...currentTraceContext() };
}
