// Offline validation of the deployment manifests: no cluster needed.
//
//   npm run manifests:validate                    renders every k8s/environments/* file and validates each
//   npm run manifests:validate -- --dir out/prod  validates an already rendered folder
//
// 1. every YAML document parses, duplicate keys rejected;
// 2. each Kubernetes object matches its typed model (kubernetes-models, @kubernetes-models/knative) and has no
//    field the model does not declare; kinds without a model match a strict valibot schema; stack.yml too;
// 3. the project rules in manifests/rules.ts (annotation typos, GPU placement, scale to zero, Knative feature
//    flags, Triggers vs the event catalog, every function deployed, env names, references).
// Exit status 1 when there is any error.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { CATALOG, OBJECT_CREATED_PREFIX } from '../shared/events/catalog.ts';
import { MODELS, modelErrors, modelKey, unknownFields } from './manifests/models.ts';
import { type Issue, type ManifestObject, type ManifestSet, type ProjectContext, RULES } from './manifests/rules.ts';
import { CRD_SCHEMAS, NatsJetStreamChannelTemplate, OpenFaasEnvironmentFile, Stack, schemaErrors } from './manifests/schemas.ts';
import { ROOT, type RenderedFile, loadEnvironment, renderManifests } from './render-manifests.ts';

export function validateFiles(files: RenderedFile[], context: ProjectContext): Issue[] {
  const issues: Issue[] = [];
  const set: ManifestSet = { objects: [] };
  for (const file of files) {
    issues.push(...unresolvedPlaceholders(file));
    const docs = YAML.parseAllDocuments(file.text, { uniqueKeys: true });
    const values: unknown[] = [];
    for (const doc of docs) {
      for (const error of doc.errors) issues.push({ rule: 'yaml', file: file.path, message: error.message.split('\n')[0]! });
      if (doc.errors.length === 0 && doc.contents !== null) values.push(doc.toJS());
    }
    if (values.length !== docs.length) continue;
    if (file.path.endsWith('stack.yml')) {
      const errors = schemaErrors(Stack, values[0]);
      for (const message of errors) issues.push({ rule: 'stack-schema', file: file.path, message });
      if (errors.length === 0) set.stack = { file: file.path, value: values[0] as Stack };
    } else if (file.path === 'openfaas/config.yml') {
      const errors = schemaErrors(OpenFaasEnvironmentFile, values[0]);
      for (const message of errors) issues.push({ rule: 'stack-schema', file: file.path, message });
      if (errors.length === 0) set.openfaasEnvironment = { file: file.path, value: (values[0] as { environment: Record<string, string> }).environment };
    } else if (!file.path.endsWith('.values.yaml')) {
      // Helm values follow their chart's own schema: parsing them (above) is what we can check here.
      for (const value of values) {
        const object = checkObject(file.path, value, issues);
        if (object) set.objects.push(object);
      }
    }
  }
  for (const rule of RULES) issues.push(...rule(set, context));
  return issues;
}

function checkObject(file: string, value: unknown, issues: Issue[]): ManifestObject | undefined {
  const record = (value ?? {}) as Record<string, any>;
  const key = modelKey(record);
  const name = String(record.metadata?.name ?? '?');
  const object = `${record.kind}/${name}`;
  const schema = CRD_SCHEMAS[key];
  if (MODELS[key]) {
    for (const message of modelErrors(key, record)) issues.push({ rule: 'schema', file, object, message });
    for (const path of unknownFields(key, record)) issues.push({ rule: 'unknown-field', file, object, message: `${path} is not a field of ${key}` });
  } else if (schema) {
    for (const message of schemaErrors(schema, record)) issues.push({ rule: 'schema', file, object, message });
  } else {
    issues.push({ rule: 'unknown-kind', file, object, message: `${key} has neither a typed model nor a schema (scripts/manifests/models.ts, schemas.ts)` });
    return undefined;
  }
  // A channel-based Broker's ConfigMap embeds the channel it creates: check that too.
  const template = key === 'v1/ConfigMap' ? record.data?.['channel-template-spec'] : undefined;
  if (typeof template === 'string') {
    for (const message of schemaErrors(NatsJetStreamChannelTemplate, YAML.parse(template, { uniqueKeys: true }))) {
      issues.push({ rule: 'schema', file, object, message: `channel-template-spec: ${message}` });
    }
  }
  return { file, key, kind: String(record.kind), name, namespace: record.metadata?.namespace, value: record };
}

function unresolvedPlaceholders(file: RenderedFile): Issue[] {
  return file.text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => [...line.matchAll(/\$\{[A-Z0-9_]+\}/g)].map((match) => ({ rule: 'placeholder' as const, file: file.path, message: `unresolved placeholder ${match[0]}` })));
}

/** The project as the rules see it: function folders, the event catalog, and the env names the code reads. */
export function projectContext(root = ROOT): ProjectContext {
  const functionsDir = join(root, 'functions');
  const functions = existsSync(functionsDir) ? readdirSync(functionsDir).filter((name) => statSync(join(functionsDir, name)).isDirectory()).sort() : [];
  return { functions, catalog: CATALOG, objectCreatedPrefix: OBJECT_CREATED_PREFIX, knownEnv: envNamesReadBy([join(root, 'shared'), functionsDir]) };
}

/** `env.NAME`, `env['NAME']`, `required(env, 'NAME')` and the configuration schema's `NAME: v.…` entries in non-test sources. */
export function envNamesReadBy(dirs: string[]): Set<string> {
  const names = new Set<string>();
  const patterns = [/\benv\.([A-Z][A-Z0-9_]*)\b/g, /\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g, /\brequired\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g, /^\s+([A-Z][A-Z0-9_]*):\s*v\./gm];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
      else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) {
        const source = readFileSync(path, 'utf8');
        for (const pattern of patterns) for (const match of source.matchAll(pattern)) names.add(match[1]!);
      }
    }
  };
  dirs.forEach(visit);
  return names;
}

export function readRendered(dir: string): RenderedFile[] {
  const files: RenderedFile[] = [];
  const visit = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) visit(full);
      else if (/\.ya?ml$/.test(entry)) files.push({ path: relative(dir, full).split('\\').join('/'), text: readFileSync(full, 'utf8') });
    }
  };
  visit(dir);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export function formatIssues(issues: Issue[]): string {
  return issues.map((issue) => `error [${issue.rule}] ${issue.file}${issue.object ? ` ${issue.object}` : ''}: ${issue.message}`).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, env: { type: 'string', multiple: true } } });
  const context = projectContext();
  const targets: { label: string; files: RenderedFile[] }[] = [];
  if (values.dir) {
    targets.push({ label: values.dir, files: readRendered(values.dir) });
  } else {
    const envDir = join(ROOT, 'k8s', 'environments');
    const envFiles = values.env ?? readdirSync(envDir).filter((f) => /\.(json|ya?ml)$/.test(f)).map((f) => join(envDir, f));
    for (const envFile of envFiles) {
      const env = loadEnvironment(envFile);
      targets.push({ label: relative(ROOT, envFile), files: renderManifests(env) });
    }
  }
  let errors = 0;
  for (const target of targets) {
    const issues = validateFiles(target.files, context);
    errors += issues.length;
    console.log(`${target.label}: ${target.files.length} files, ${issues.length} errors`);
    if (issues.length > 0) console.log(`${formatIssues(issues)}\n`);
  }
  process.exitCode = errors > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
