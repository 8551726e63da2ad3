// The CloudEvents 1.0 envelope as it travels between functions (HTTP and NATS bindings use it).
import { randomUUID } from 'node:crypto';

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
