import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENRICH_PARTS, loadConfig } from './config.ts';

describe('loadConfig: enrichment', () => {
  test('every model runs unless ENRICH_PARTS says otherwise', () => {
    assert.deepEqual(loadConfig({}).enrich.parts, [...ENRICH_PARTS]);
    assert.deepEqual(loadConfig({ ENRICH_PARTS: 'objects, ocr' }).enrich.parts, ['objects', 'ocr']);
    assert.deepEqual(loadConfig({ ENRICH_PARTS: 'none' }).enrich.parts, []);
  });

  test('an unknown part is a startup error naming the known ones', () => {
    assert.throws(() => loadConfig({ ENRICH_PARTS: 'objects,facez' }), /unknown facez \(known: objects, faces, ocr, speech, embedding, none\)/);
  });
});

describe('loadConfig: browsers and bucket notifications', () => {
  test('CORS_ORIGINS is a comma list of origins or *; unset leaves the PUBLIC_URL origin to the store', () => {
    assert.equal(loadConfig({}).corsOrigins, undefined);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins, ['https://app.example.com', 'http://localhost:5173']);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, ['*']);
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/upload' }), /CORS_ORIGINS: "https:\/\/app.example.com\/upload" is not an origin/);
  });

  test('NOTIFY_ENDPOINT is a URL, or none to leave the notification alone', () => {
    assert.equal(loadConfig({}).notifyEndpoint, undefined);
    assert.equal(loadConfig({ NOTIFY_ENDPOINT: 'http://upload-complete.mediateca.svc.cluster.local/' }).notifyEndpoint, 'http://upload-complete.mediateca.svc.cluster.local/');
    assert.equal(loadConfig({ NOTIFY_ENDPOINT: 'none' }).notifyEndpoint, false);
    assert.throws(() => loadConfig({ NOTIFY_ENDPOINT: 'upload-complete' }), /NOTIFY_ENDPOINT: "upload-complete" is not an http\(s\) URL/);
  });
});
