// The CloudEvents 1.0 envelope as it travels between functions (HTTP and NATS bindings use it).
import { randomUUID } from 'node:crypto';
import { currentTraceContext } from '../observability/tracing.ts';
import * as v from 'valibot';
import { CATALOG, type EventData, type EventType } from './catalog.ts';

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

/** An event's data does not match its catalog schema: a producer's bug, refused before anything is written. */
export class InvalidEventData extends Error {
  constructor(readonly type: string, issues: string) {
    super(`data of ${type} does not match the event catalog: ${issues}`);
  }
}

/**
 * A platform event: its type is in the catalog and its data has that type's shape, checked by the compiler and,
 * for data built at run time, against the catalog's schema.
 */
export function newEvent<T extends EventType>(type: T, source: string, data: EventData<T>, subject?: string, id: string = randomUUID()): EventEnvelope<EventData<T>> {
  const checked = v.safeParse(CATALOG[type].data, data);
  if (!checked.success) throw new InvalidEventData(type, checked.issues.map((issue) => `${v.getDotPath(issue) ?? '(data)'}: ${issue.message}`).join('; '));
  return envelopeOf(type, source, data, subject, id);
}

/** An envelope of any type, unchecked: for transports (and their tests), which carry events without interpreting them. */
export function envelopeOf<D>(type: string, source: string, data: D, subject?: string, id: string = randomUUID()): EventEnvelope<D> {
  return { specversion: '1.0', id, type, source, subject, time: new Date().toISOString(), datacontenttype: 'application/json', data, ...currentTraceContext() };
}
