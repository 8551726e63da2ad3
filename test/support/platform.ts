// An embedded platform for function-level tests: in-memory PGlite, filesystem store in a temp folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config.ts';
import { type Platform, createPlatform } from '../../shared/platform.ts';

export async function createTestPlatform(env: Record<string, string> = {}): Promise<Platform & { dispose(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-test-'));
  const platform = await createPlatform({ name: 'test', config: loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://', ...env }) });
  await platform.store.ensureBuckets();
  return Object.assign(platform, {
    async dispose() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
