import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { uploadCompletePushEndpoint, uploadNotificationTopic } from './rgw-notifications.ts';

describe('bucket notification wiring', () => {
  test('the push endpoint is NOTIFY_ENDPOINT, else the dev host’s own upload-complete route', () => {
    assert.equal(uploadCompletePushEndpoint({ notifyEndpoint: 'http://upload-complete.ns.svc.cluster.local/' }, 'http://127.0.0.1:8080'), 'http://upload-complete.ns.svc.cluster.local/');
    assert.equal(uploadCompletePushEndpoint({}, 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080/_fn/upload-complete/');
    assert.throws(() => uploadCompletePushEndpoint({}), /NOTIFY_ENDPOINT must be set/);
  });

  test('each incoming bucket has its own topic, named within what RGW accepts', () => {
    assert.equal(uploadNotificationTopic('mediateca-incoming'), 'mediateca-incoming-upload-complete');
    assert.equal(uploadNotificationTopic('media.example.incoming'), 'media-example-incoming-upload-complete');
    assert.notEqual(uploadNotificationTopic('a-incoming'), uploadNotificationTopic('b-incoming'));
  });
});
