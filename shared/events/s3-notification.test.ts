import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotAnObjectNotification, normaliseS3Notification, s3RecordFor } from './s3-notification.ts';

// Shapes as the servers send them (Ceph RGW measured here; MinIO from its documentation).
const ceph = {
  Records: [{
    eventVersion: '2.2', eventSource: 'ceph:s3', awsRegion: '', eventTime: '2026-11-23T09:00:00.000Z', eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: 'mediateca-incoming' }, object: { key: 'newsroom/Canción de árbol +100%.jpg', size: 1234, eTag: 'abc', sequencer: '0011' } },
  }],
};
const minio = {
  EventName: 's3:ObjectCreated:CompleteMultipartUpload',
  Key: 'mediateca-incoming/newsroom/a+b%C3%A1.mp4',
  Records: [{
    eventVersion: '2.0', eventSource: 'minio:s3', awsRegion: '', eventTime: '2026-11-23T09:00:00.000Z', eventName: 's3:ObjectCreated:CompleteMultipartUpload',
    s3: { bucket: { name: 'mediateca-incoming' }, object: { key: 'newsroom/a+b%C3%A1.mp4', size: 99, eTag: '"d41d8cd98f00b204e9800998ecf8427e-3"', sequencer: '17A' } },
  }],
};

test('Ceph RGW records keep their raw key and get the S3 adapter type and source', () => {
  const [event] = normaliseS3Notification(ceph);
  assert.equal(event!.type, 'com.amazonaws.s3.ObjectCreated:Put');
  assert.equal(event!.source, 'ceph:s3.default.mediateca-incoming');
  assert.equal(event!.subject, 'newsroom/Canción de árbol +100%.jpg');
  assert.deepEqual(event!.data, { bucket: 'mediateca-incoming', key: 'newsroom/Canción de árbol +100%.jpg', size: 1234, etag: 'abc', sequencer: '0011' });
});

test('MinIO records are URL-decoded and their s3: prefix dropped', () => {
  const [event] = normaliseS3Notification(minio);
  assert.equal(event!.type, 'com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload');
  assert.equal(event!.data.key, 'newsroom/a bá.mp4');
  assert.equal(event!.data.etag, 'd41d8cd98f00b204e9800998ecf8427e-3');
});

test('the filesystem store emits records that round-trip', () => {
  const [event] = normaliseS3Notification(s3RecordFor('b', 'p/ñandú 1.jpg', 5, 'e', 's1'));
  assert.equal(event!.data.key, 'p/ñandú 1.jpg');
  assert.equal(event!.source, 'mediateca:fs.local.b');
});

test('the same notification twice has the same event id; a new upload of the key a new one', () => {
  const first = normaliseS3Notification(ceph)[0]!.id;
  assert.equal(normaliseS3Notification(structuredClone(ceph))[0]!.id, first);
  const again = structuredClone(ceph);
  again.Records[0]!.s3.object.sequencer = '0012';
  assert.notEqual(normaliseS3Notification(again)[0]!.id, first);
});

test('other events are ignored and malformed bodies are refused', () => {
  const removed = structuredClone(ceph);
  removed.Records[0]!.eventName = 'ObjectRemoved:Delete';
  assert.deepEqual(normaliseS3Notification(removed), []);
  assert.throws(() => normaliseS3Notification({ hello: 1 }), NotAnObjectNotification);
  assert.throws(() => normaliseS3Notification({ Records: [{ eventName: 'ObjectCreated:Put', s3: {} }] }), NotAnObjectNotification);
});
