// End to end on the embedded default: PGlite, filesystem store, in-process events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { s3RecordFor } from '../../shared/events/s3-notification.ts';
import { pushEndpointWithSecret } from '../../shared/events/secret.ts';
import { editorialSuite } from './editorial-suite.ts';
import { lifecycleSuite } from './lifecycle-suite.ts';
import { mediaSuite } from './media-suite.ts';
import { type E2eEnvironment, pipelineSuite } from './pipeline-suite.ts';
import { sharingSuite } from './sharing-suite.ts';
import { rebuildSuite } from './rebuild-suite.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-e2e-'));
let started: Promise<E2eEnvironment> | undefined;
after(async () => {
  if (started) await (await started).host.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () => (started ??= startEmbedded());
// These suites are about uploads and renditions; enrichment has its own end-to-end test (enrich.test.ts).
pipelineSuite('embedded', start);
mediaSuite('embedded', start);
editorialSuite('embedded', start);
lifecycleSuite('embedded', start);
rebuildSuite('embedded', start);
sharingSuite('embedded', start);

async function startEmbedded(): Promise<E2eEnvironment> {
  const config = loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', NODE_ENV: 'test', ENRICH_PARTS: 'none', UPLOAD_MULTIPART_THRESHOLD: '6291456', UPLOAD_PART_SIZE: '5242880' });
  const host = await startHost(config, 0);
  return {
    host,
    redeliverNotification: async (bucket, key) => {
      const response = await host.functions['upload-complete']!.fetch(new Request(pushEndpointWithSecret('http://function/', host.platform.eventsSecret), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(s3RecordFor(bucket, key, 1, 'etag', 'replayed')),
      }));
      if (!response.ok) throw new Error(`replay → ${response.status}`);
    },
  };
}
