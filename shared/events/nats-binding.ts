// CloudEvents over NATS in binary mode: attributes travel as `ce-` headers, data as the JSON payload.
// The cloudevents SDK has no NATS binding, so this reuses its HTTP codec: NATS headers follow the same rules.
import { CloudEvent, HTTP } from 'cloudevents';
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import { subjectFor } from './catalog.ts';
import { envelopeFromMessage } from './codec.ts';
import type { EventEnvelope } from './envelope.ts';

export interface NatsEventMessage {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toNatsMessage(envelope: EventEnvelope<unknown>, subject: string = subjectFor(envelope.type)): NatsEventMessage {
  // Our data is always a JSON object, which the codec serialises to a string body.
  const { headers, body } = HTTP.binary(new CloudEvent({ ...envelope }));
  const hdrs = natsHeaders();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) hdrs.set(name, String(value));
  }
  return { subject, data: encoder.encode((body as string | undefined) ?? ''), headers: hdrs };
}

/** Throws when the message is not a CloudEvent (no `ce-` attributes, invalid attributes or non-JSON data). */
export function fromNatsMessage(headers: MsgHdrs | undefined, data: Uint8Array): EventEnvelope<unknown> {
  const plainHeaders: Record<string, string> = {};
  for (const [name, values] of headers ?? []) plainHeaders[name.toLowerCase()] = values[0] ?? '';
  return envelopeFromMessage(plainHeaders, decoder.decode(data));
}
