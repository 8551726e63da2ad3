// CloudEvents over HTTP for event-triggered functions: `POST /` in binary or structured mode.
// 2xx = done (ack). 5xx = retry. A permanent error (bad input) is answered 2xx by the handler after it
// marked the asset failed, or 422 here when the event itself is unusable (the sender dead-letters it).
import type { Hono } from 'hono';
import type { Transaction } from 'kysely';
import * as v from 'valibot';
import { type EventData, type EventType, isKnownEventType, parseEventData } from '../events/catalog.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { alreadyProcessed, markProcessed } from '../db/processed-events.ts';
import type { DB } from '../db/schema.ts';
import type { Platform } from '../platform.ts';
import type { AppEnv } from './app.ts';
import { eventDuration } from './metrics.ts';
import { Problem } from './problem.ts';

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

export function acceptEvents(app: Hono<AppEnv>, platform: Platform, consumer: string, handlers: EventHandlers): void {
  app.post('/', async (c) => {
    const event = await readCloudEvent(c.req.raw);
    return c.json(await handleEvent(platform, consumer, handlers, event), 200);
  });
}

export async function readCloudEvent(request: Request): Promise<EventEnvelope<unknown>> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => { headers[key] = value; });
  const body = await request.text();
  // The cloudevents SDK loads with the first event, not at start-up.
  const { envelopeFromMessage } = await import('../events/codec.ts');
  try {
    return envelopeFromMessage(headers, body);
  } catch (error) {
    throw new Problem(422, 'Unprocessable CloudEvent', `not a valid CloudEvent: ${(error as Error).message}`);
  }
}

export async function handleEvent(platform: Platform, consumer: string, handlers: EventHandlers, event: EventEnvelope<unknown>): Promise<{ status: string; id: string }> {
  const started = performance.now();
  const log = platform.logger.child({ eventId: event.id, type: event.type, consumer });
  const handler = isKnownEventType(event.type) ? (handlers[event.type] as EventHandler<EventType> | undefined) : undefined;
  if (!handler) throw new Problem(422, 'Unsupported Event Type', `${consumer} does not consume ${event.type}`);
  if (await alreadyProcessed(platform.db, consumer, event.id)) {
    log.info('duplicate delivery ignored');
    return { status: 'duplicate', id: event.id };
  }
  let data: EventData<EventType>;
  try {
    data = parseEventData(event.type as EventType, event.data);
  } catch (error) {
    const detail = error instanceof v.ValiError ? error.issues.map((i) => `${v.getDotPath(i) ?? ''} ${i.message}`).join('; ') : String(error);
    throw new Problem(422, 'Invalid Event Data', `${event.type} data is invalid: ${detail}`);
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
    await handler({ ...event, data } as EventEnvelope<EventData<EventType>>, platform, context);
    if (!markedInTransaction) await markProcessed(platform.db, consumer, event.id);
    outcome = 'ok';
    log.info({ ms: Math.round(performance.now() - started) }, 'event handled');
    return { status: 'processed', id: event.id };
  } finally {
    eventDuration.observe({ consumer, type: event.type, outcome }, (performance.now() - started) / 1000);
  }
}
