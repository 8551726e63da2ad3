import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { uploadCompletePushEndpoint, uploadNotificationTopic } from './rgw-notifications.ts';

describe('bucket notification wiring', () => {
  test('the push endpoint is NOTIFY_ENDPOINT, else the dev host’s own upload-complete route, with the events secret', () => {
    assert.equal(uploadCompletePushEndpoint({ notifyEndpoint: 'http://upload-complete.ns.svc.cluster.local/' }, 's3cr3t', 'http://127.0.0.1:8080'), 'http://upload-complete.ns.svc.cluster.local/?secret=s3cr3t');
    assert.equal(uploadCompletePushEndpoint({}, 's3cr3t', 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080/_fn/upload-complete/?secret=s3cr3t');
    assert.equal(uploadCompletePushEndpoint({ notifyEndpoint: 'http://gw:8080/function/upload-complete' }, 'a&b'), 'http://gw:8080/function/upload-complete?secret=a%26b');
    assert.throws(() => uploadCompletePushEndpoint({}, 's3cr3t'), /NOTIFY_ENDPOINT must be set/);
  });

  test('each incoming bucket has its own topic, named within what RGW accepts', () => {
    assert.equal(uploadNotificationTopic('mediateca-incoming'), 'mediateca-incoming-upload-complete');
    assert.equal(uploadNotificationTopic('media.example.incoming'), 'media-example-incoming-upload-complete');
    assert.notEqual(uploadNotificationTopic('a-incoming'), uploadNotificationTopic('b-incoming'));
  });
});
