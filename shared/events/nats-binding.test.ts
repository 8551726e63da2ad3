import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { subjectFor } from './catalog.ts';
import { envelopeOf } from './envelope.ts';
import { fromNatsMessage, toNatsMessage } from './nats-binding.ts';

const event = envelopeOf(
  'io.mediateca.asset.uploaded',
  'io.mediateca',
  { assetId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', projectId: 'news', version: 2, title: 'Canción del árbol' },
  'assets/1b4e28ba',
);

test('an envelope travels as binary-mode CloudEvent headers plus a JSON payload', () => {
  const message = toNatsMessage(event);
  assert.equal(message.subject, subjectFor(event.type));
  assert.equal(message.headers.get('ce-id'), event.id);
  assert.equal(message.headers.get('ce-type'), event.type);
  assert.equal(message.headers.get('ce-source'), event.source);
  assert.equal(message.headers.get('ce-specversion'), '1.0');
  assert.equal(message.headers.get('ce-subject'), event.subject);
  assert.equal(message.headers.get('ce-time'), event.time);
  assert.equal(message.headers.get('content-type'), 'application/json');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(message.data)), event.data);
});

test('the round trip gives back the same envelope', () => {
  const message = toNatsMessage(event, 'custom.subject');
  assert.equal(message.subject, 'custom.subject');
  assert.deepEqual(fromNatsMessage(message.headers, message.data), event);
});

test('an event without a subject has no ce-subject header and comes back without one', () => {
  const plain = envelopeOf('io.mediateca.asset.deleted', 'io.mediateca', { assetId: 'x' });
  const message = toNatsMessage(plain);
  assert.equal(message.headers.has('ce-subject'), false);
  assert.equal(fromNatsMessage(message.headers, message.data).subject, undefined);
});

test('header names are read case-insensitively, as the HTTP codec does', () => {
  const hdrs = natsHeaders();
  hdrs.set('Ce-Id', 'e-1');
  hdrs.set('CE-Type', 'io.mediateca.asset.deleted');
  hdrs.set('Ce-Source', 'io.mediateca');
  hdrs.set('Ce-Specversion', '1.0');
  hdrs.set('Content-Type', 'application/json');
  const envelope = fromNatsMessage(hdrs, new TextEncoder().encode('{"assetId":"a"}'));
  assert.equal(envelope.id, 'e-1');
  assert.equal(envelope.type, 'io.mediateca.asset.deleted');
  assert.deepEqual(envelope.data, { assetId: 'a' });
});

test('a message that is not a CloudEvent is rejected', () => {
  assert.throws(() => fromNatsMessage(undefined, new TextEncoder().encode('{"hello":"world"}')), /no cloud event detected/);
  const hdrs = natsHeaders();
  hdrs.set('ce-id', 'e-2');
  hdrs.set('ce-specversion', '1.0');
  hdrs.set('content-type', 'application/json');
  assert.throws(() => fromNatsMessage(hdrs, new TextEncoder().encode('{}')));
});
