// The deployable artefact works on its own: a function bundle copied into an empty folder, with only the
// packages its dist/<fn>/package.json lists installed from npm, starts with plain `node index.mjs` on the
// embedded database and answers health and readiness. Also: the build refuses a function that imports
// another function's code.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, RUNTIME_PACKAGES, buildFunctions, importBoundaryViolations } from '../../scripts/build.ts';
import { freePort } from '../support/servers.ts';

const run = promisify(execFile);
// One HTTP function, one event-triggered function, and the GPU pool's (its AI packages installed, not loaded).
const FUNCTIONS = ['search', 'index', 'enrich'];

describe('function bundles run standalone', () => {
  const work = mkdtempSync(join(tmpdir(), 'mt-bundles-'));
  const children: ChildProcess[] = [];

  before(async () => {
    await buildFunctions({ only: FUNCTIONS, outDir: join(work, 'dist') });
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  for (const fn of FUNCTIONS) {
    test(`${fn}: installs its externals and answers /_/health and /_/ready`, async () => {
      const app = join(work, `app-${fn}`);
      cpSync(join(work, 'dist', fn), app, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
      assert.ok(manifest.dependencies['@electric-sql/pglite'], 'PGlite is installed next to the bundle, not bundled');
      if (fn === 'enrich') {
        // human, TensorFlow.js and the OCR detector are found by path at run time, unseen by esbuild's metafile
        const found = Object.entries(RUNTIME_PACKAGES).filter(([input]) => input.startsWith('shared/ai/')).flatMap(([, names]) => names);
        for (const name of found) assert.ok(manifest.dependencies[name], `${name} is installed next to the bundle`);
      }
      // outside the repository its package.json's allowScripts does not apply: skip onnxruntime-node's CUDA download here too
      const npmEnv = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
      await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: npmEnv, timeout: 300_000 });

      const data = join(work, `data-${fn}`);
      mkdirSync(data);
      const port = await freePort();
      const child = spawn(process.execPath, ['index.mjs'], {
        cwd: app,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, MEDIATECA_DATA: data, PORT: String(port), NODE_ENV: 'production', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout!.on('data', (chunk) => { output += chunk; });
      child.stderr!.on('data', (chunk) => { output += chunk; });

      const health = await firstAnswer(`http://127.0.0.1:${port}/_/health`, child, () => output);
      assert.equal(health.status, 200, output);
      const report = (await health.json()) as { status: string; fn: string; ready: boolean };
      assert.deepEqual({ status: report.status, fn: report.fn, ready: report.ready }, { status: 'ok', fn, ready: true });
      const ready = await fetch(`http://127.0.0.1:${port}/_/ready`);
      assert.equal(ready.status, 200, await ready.text());
      child.kill('SIGTERM');
    });
  }
});

describe('function import boundaries', () => {
  test('a function importing another function does not build', async () => {
    const fixture = mkdtempSync(join(tmpdir(), 'mt-boundary-'));
    try {
      mkdirSync(join(fixture, 'functions', 'a'), { recursive: true });
      mkdirSync(join(fixture, 'functions', 'b'), { recursive: true });
      writeFileSync(join(fixture, 'functions', 'b', 'index.ts'), 'export const b = 1;\n');
      writeFileSync(join(fixture, 'functions', 'a', 'main.ts'), "import { b } from '../b/index.ts';\nconsole.log(b);\n");
      await assert.rejects(
        buildFunctions({ functionsDir: join(fixture, 'functions'), only: ['a'], outDir: join(fixture, 'dist') }),
        /a imports code it must not:[\s\S]*functions\/b\/index\.ts \(code of function b\)/,
      );
    } finally {
      rmSync(fixture, { recursive: true, force: true });
    }
  });

  test('only the function itself, shared/ and packages are allowed', () => {
    const inputs = ['functions/upload/main.ts', 'functions/upload/parts.ts', 'shared/http/app.ts', 'node_modules/hono/dist/index.js', 'functions/assets/index.ts', 'scripts/host.ts'];
    assert.deepEqual(importBoundaryViolations('upload', inputs, join(ROOT, 'functions')), [
      'functions/assets/index.ts (code of function assets)',
      'scripts/host.ts (outside functions/upload/ and shared/)',
    ]);
  });

  test('the real functions respect the boundaries', async () => {
    // buildFunctions throws on a crossing; building into a scratch folder leaves dist/ alone
    const out = mkdtempSync(join(tmpdir(), 'mt-build-'));
    try {
      const reports = await buildFunctions({ outDir: out });
      assert.ok(reports.length > 0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/** Polls until the process answers (any status); fails with its output if it exits first or takes a minute. */
async function firstAnswer(url: string, child: ChildProcess, output: () => string): Promise<Response> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) assert.fail(`exited with ${child.exitCode} before answering:\n${output()}`);
    try {
      return await fetch(url);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  assert.fail(`no answer from ${url} within 60 s:\n${output()}`);
}
