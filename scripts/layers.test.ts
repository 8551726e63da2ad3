// The layer rules of shared/ (scripts/layers.ts) hold for this repository, and each rule fails on a violation,
// shown on a small fixture tree.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { layerViolations } from './layers.ts';

test('this repository keeps the layer rules', () => {
  assert.deepEqual(layerViolations(resolve(import.meta.dirname, '..')), []);
});

describe('each rule catches its violation', () => {
  const roots: string[] = [];
  after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  /** A repository of the given files (path → content) with a clean shared/domain. */
  function fixture(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'mt-layers-'));
    roots.push(root);
    const all = { 'shared/domain/asset.ts': "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;\n", ...files };
    for (const [path, content] of Object.entries(all)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }

  test('a clean tree has none', () => {
    assert.deepEqual(layerViolations(fixture({ 'shared/db/assets.ts': "import { id } from '../domain/asset.ts';\n" })), []);
  });

  test('shared/domain doing I/O or reaching into db/', () => {
    const violations = layerViolations(fixture({
      'shared/domain/rules.ts': "import { readFile } from 'node:fs/promises';\nimport { spawn } from 'child_process';\nexport const load = () => import('../db/assets.ts');\n",
      'shared/db/assets.ts': 'export const a = 1;\n',
    }));
    assert.deepEqual(violations, [
      "shared/domain/rules.ts imports node:fs/promises: shared/domain does no I/O",
      "shared/domain/rules.ts imports child_process: shared/domain does no I/O",
      "shared/domain/rules.ts imports ../db/assets.ts: shared/domain must not depend on shared/db",
    ]);
  });

  test('shared/ importing functions/', () => {
    const violations = layerViolations(fixture({
      'shared/http/app.ts': "export { createApp } from '../../functions/search/index.ts';\n",
      'functions/search/index.ts': 'export const createApp = 1;\n',
    }));
    assert.deepEqual(violations, ['shared/http/app.ts imports ../../functions/search/index.ts: shared/ must not import functions/']);
  });

  test('a cycle between shared/ folders, but not through type-only imports or files directly in shared/', () => {
    const violations = layerViolations(fixture({
      'shared/events/relay.ts': "import { outbox } from '../db/outbox.ts';\nimport type { Platform } from '../platform.ts';\nexport const relay = outbox;\n",
      'shared/db/outbox.ts': "import { relay } from '../events/relay.ts';\nimport type { Envelope } from '../http/envelope.ts';\nexport const outbox = relay;\n",
      'shared/http/envelope.ts': "import { outbox } from '../db/outbox.ts';\nexport type Envelope = typeof outbox;\n",
      'shared/platform.ts': "import { relay } from './events/relay.ts';\nexport type Platform = typeof relay;\n",
    }));
    assert.deepEqual(violations, [
      'import cycle between shared/ folders: db → events → db (shared/db/outbox.ts → shared/events/relay.ts; shared/events/relay.ts → shared/db/outbox.ts)',
    ]);
  });

  test('process.env read outside shared/config.ts', () => {
    const violations = layerViolations(fixture({
      'shared/config.ts': 'export const env = process.env;\n',
      'functions/upload/index.ts': 'export const limit = Number(process.env.UPLOAD_MAX_BYTES);\n',
      'functions/upload/index.test.ts': "process.env.TMPDIR = '/tmp';\n",
    }));
    assert.deepEqual(violations, ['functions/upload/index.ts reads process.env: make it a field of the Config (shared/config.ts) and pass it in']);
  });
});
