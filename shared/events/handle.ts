// Handling one CloudEvent for a consumer: read it from an HTTP request, drop exact redeliveries, validate its
// data against the catalog, run the handler and remember the event as processed. Transport-free: the HTTP
// route (shared/http/events.ts) and upload-complete call it; an UnusableEvent becomes 422 there.
import { SpanKind, contextOf, inSpan } from '../observability/tracing.ts';
import type { Transaction } from 'kysely';
import * as v from 'valibot';
import { alreadyProcessed, markProcessed } from '../db/processed-events.ts';
import type { DB } from '../db/schema.ts';
import { eventDuration } from '../observability/metrics.ts';
import type { Platform } from '../platform.ts';
import { type EventData, type EventType, isKnownEventType, parseEventData } from './catalog.ts';
import type { EventEnvelope } from './envelope.ts';

/**
 * A handler that writes the database records the event as processed inside its own transaction (`markProcessed(trx)`),
 * so a crash between its effects and the record cannot run those effects twice. Handlers that do not call it are
 * marked after they return.
 */
export interface EventContext {
  markProcessed(trx: Transaction<DB>): Promise<void>;
}

export type EventHandler<T extends EventType> = (event: EventEnvelope<EventData<T>>, platform: Platform, context: EventContext) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

/** The event itself cannot be used (not a CloudEvent, a type this consumer does not take, invalid data): retrying cannot help. */
export class UnusableEvent extends Error {
  constructor(
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'UnusableEvent';
  }
}

export async function readCloudEvent(request: Request): Promise<EventEnvelope<unknown>> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => { headers[key] = value; });
  const body = await request.text();
  // The cloudevents SDK loads with the first event, not at start-up.
  const { envelopeFromMessage } = await import('./codec.ts');
  try {
    return envelopeFromMessage(headers, body);
  } catch (error) {
    throw new UnusableEvent('Unprocessable CloudEvent', `not a valid CloudEvent: ${(error as Error).message}`);
  }
}

export async function handleEvent(platform: Platform, consumer: string, handlers: EventHandlers, event: EventEnvelope<unknown>): Promise<{ status: string; id: string }> {
  const started = performance.now();
  const log = platform.logger.child({ eventId: event.id, type: event.type, consumer });
  const handler = isKnownEventType(event.type) ? (handlers[event.type] as EventHandler<EventType> | undefined) : undefined;
  if (!handler) throw new UnusableEvent('Unsupported Event Type', `${consumer} does not consume ${event.type}`);
  if (await alreadyProcessed(platform.db, consumer, event.id)) {
    log.info('duplicate delivery ignored');
    return { status: 'duplicate', id: event.id };
  }
  let data: EventData<EventType>;
  try {
    data = parseEventData(event.type as EventType, event.data);
  } catch (error) {
    const detail = error instanceof v.ValiError ? error.issues.map((i) => `${v.getDotPath(i) ?? ''} ${i.message}`).join('; ') : String(error);
    throw new UnusableEvent('Invalid Event Data', `${event.type} data is invalid: ${detail}`);
  }
  let outcome = 'error';
  let markedInTransaction = false;
  const context: EventContext = {
    async markProcessed(trx) {
      await markProcessed(trx, consumer, event.id);
      markedInTransaction = true;
    },
  };
  try {
    // the handling span continues the trace the event carries; events the handler emits carry this span
    const attributes = { 'cloudevents.event_id': event.id, 'cloudevents.event_type': event.type, 'messaging.consumer.group.name': consumer };
    await inSpan(`${consumer} ${event.type}`, { kind: SpanKind.CONSUMER, attributes, parent: contextOf(event) }, () => handler({ ...event, data } as EventEnvelope<EventData<EventType>>, platform, context));
    if (!markedInTransaction) await markProcessed(platform.db, consumer, event.id);
    outcome = 'ok';
    log.info({ ms: Math.round(performance.now() - started) }, 'event handled');
    return { status: 'processed', id: event.id };
  } finally {
    eventDuration.observe({ consumer, type: event.type, outcome }, (performance.now() - started) / 1000);
  }
}
