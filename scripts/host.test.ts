// The dev host's public listener: event endpoints take only the platform's own deliveries, and every answer
// (unknown routes included) is problem+json.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloudEvent, HTTP } from 'cloudevents';
import { loadConfig } from '../shared/config.ts';
import { EVENT_SOURCE } from '../shared/events/catalog.ts';
import { newEvent } from '../shared/events/envelope.ts';
import { type Host, startHost } from './host.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-host-'));
let host: Host;
before(async () => {
  host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://', PORT: '0', ENRICH_PARTS: 'none' }), 0);
});
after(async () => {
  await host.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** POSTs a binary-mode CloudEvent to a function's event endpoint on the public port, as an attacker could. */
async function postEvent(fn: string, envelope: ReturnType<typeof newEvent>, extraHeaders: Record<string, string> = {}) {
  const { headers, body } = HTTP.binary(new CloudEvent({ ...envelope }));
  return fetch(`${host.url}/_fn/${fn}/`, { method: 'POST', headers: { ...(headers as Record<string, string>), ...extraHeaders }, body: body as string });
}

describe('event endpoints on the public port', () => {
  const assetId = randomUUID();
  const forged = [
    ['transcode', newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, { assetId, projectId: 'newsroom', version: 2, mediaType: 'image', contentType: 'image/jpeg', sha256: 'a'.repeat(64), size: 10, reprocess: true })],
    ['index', newEvent('io.mediateca.asset.deleted', EVENT_SOURCE, { assetId, projectId: 'newsroom', version: 3 })],
    ['upload', newEvent('io.mediateca.uploads.expire-requested', EVENT_SOURCE, {})],
  ] as const;

  for (const [fn, envelope] of forged) {
    test(`a forged ${envelope.type} to /_fn/${fn}/ is refused 401 problem+json`, async () => {
      for (const extra of [{}, { 'ce-mediatecasecret': 'guessed' }] as Record<string, string>[]) {
        const response = await postEvent(fn, envelope, extra);
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('content-type'), 'application/problem+json');
        assert.match((await response.json()).detail, /events secret/);
      }
    });
  }

  test('the same event with the platform secret is handled', async () => {
    const response = await postEvent('upload', newEvent('io.mediateca.uploads.expire-requested', EVENT_SOURCE, {}), { 'ce-mediatecasecret': host.platform.eventsSecret });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal((await response.json()).status, 'processed');
  });

  test('a bucket notification without the secret in its push URL is refused; with it, accepted', async () => {
    const body = JSON.stringify({ Records: [] });
    const headers = { 'content-type': 'application/json' };
    assert.equal((await fetch(`${host.url}/_fn/upload-complete/`, { method: 'POST', headers, body })).status, 401);
    assert.equal((await fetch(host.uploadCompleteEndpoint, { method: 'POST', headers, body })).status, 200);
  });
});

describe('unknown routes', () => {
  for (const path of ['/nope', '/_fn/constructor/', '/_fn/nope/', '/_fn/__proto__/x']) {
    test(`${path} answers 404 problem+json`, async () => {
      const response = await fetch(`${host.url}${path}`, { method: 'POST' });
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.ok((await response.json()).detail);
    });
  }
});
