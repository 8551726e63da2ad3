// Renders the deployment templates (k8s/base/**, stack.yml) for one environment: fills the ${NAME}
// placeholders from a small typed environment file and writes ready-to-apply files, so nobody hand-edits YAML.
//
//   npm run manifests:render -- --env k8s/environments/production.json [--out dist/manifests/production]
//
// Output: knative/ (kubectl apply -R -f), openfaas/ (stack.yml + config.yml for faas-cli, the GPU profile, the
// bucket-notification Job and the schedules), infra/ (Helm values and the PostgreSQL cluster).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as v from 'valibot';
import YAML, { type Document, isScalar } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..');
export const BASE_DIR = join(ROOT, 'k8s', 'base');
export const STACK_FILE = join(ROOT, 'stack.yml');

const name = v.pipe(v.string(), v.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Kubernetes name (lower case, digits, -)'));
const url = v.pipe(v.string(), v.url());
const labelKey = v.pipe(v.string(), v.regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'a label key'));

/** The environment file: everything that differs between two installations, nothing else. */
export const Environment = v.strictObject({
  name,
  namespace: name,
  images: v.strictObject({ registry: v.pipe(v.string(), v.regex(/^[^\s:]+(:\d+)?(\/[^\s:]+)*$/, 'a registry path')), tag: v.pipe(v.string(), v.regex(/^[\w][\w.-]{0,127}$/, 'an image tag')) }),
  domain: v.pipe(v.string(), v.regex(/^[a-z0-9.-]+$/, 'a DNS domain')),
  publicUrl: url,
  secrets: v.strictObject({ app: name, objectStoreAdmin: name }),
  buckets: v.strictObject({ incoming: name, masters: name, renditions: name, analytics: v.optional(name) }),
  objectStore: v.strictObject({ kind: v.picklist(['ceph', 'minio']), endpoint: url, publicEndpoint: v.optional(url), region: v.string() }),
  nats: v.strictObject({ url, stream: v.pipe(v.string(), v.regex(/^[A-Z0-9_-]+$/, 'a stream name')), replicas: v.picklist([1, 3, 5]) }),
  opensearch: v.optional(v.strictObject({ url })),
  auth: v.strictObject({ jwksUrl: url, issuer: v.string(), audience: v.string() }),
  gpu: v.strictObject({
    nodeLabel: v.strictObject({ key: labelKey, value: v.string() }),
    minScale: v.pipe(v.number(), v.integer(), v.minValue(1, 'the GPU pool never scales to zero: minScale ≥ 1')),
    maxScale: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  openfaas: v.strictObject({ gateway: url, namespace: name }),
});
export type Environment = v.InferOutput<typeof Environment>;

export type Platform = 'knative' | 'openfaas';

export function loadEnvironment(file: string): Environment {
  const raw = file.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : YAML.parse(readFileSync(file, 'utf8'), { uniqueKeys: true });
  const result = v.safeParse(Environment, raw);
  if (!result.success) {
    throw new Error(`${file}: ${result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`).join('; ')}`);
  }
  if (result.output.gpu.maxScale < result.output.gpu.minScale) throw new Error(`${file}: gpu.maxScale is below gpu.minScale`);
  return result.output;
}

/** Placeholder values. The two platforms differ in where functions live and how the object store reaches upload-complete. */
export function placeholders(env: Environment, platform: Platform): Record<string, string> {
  const namespace = platform === 'knative' ? env.namespace : env.openfaas.namespace;
  return {
    NAMESPACE: namespace,
    IMAGE: `${env.images.registry}/mediateca:${env.images.tag}`,
    IMAGE_GPU: `${env.images.registry}/mediateca-gpu:${env.images.tag}`,
    DOMAIN: env.domain,
    PUBLIC_URL: env.publicUrl,
    APP_SECRET: env.secrets.app,
    OBJECT_STORE_ADMIN_SECRET: env.secrets.objectStoreAdmin,
    BUCKET_INCOMING: env.buckets.incoming,
    BUCKET_MASTERS: env.buckets.masters,
    BUCKET_RENDITIONS: env.buckets.renditions,
    S3_ENDPOINT: env.objectStore.endpoint,
    S3_PUBLIC_ENDPOINT: env.objectStore.publicEndpoint ?? '',
    S3_REGION: env.objectStore.region,
    NATS_URL: env.nats.url,
    NATS_STREAM: env.nats.stream,
    NATS_REPLICAS: String(env.nats.replicas),
    OPENSEARCH_URL: env.opensearch?.url ?? '',
    AUTH_JWKS_URL: env.auth.jwksUrl,
    AUTH_ISSUER: env.auth.issuer,
    AUTH_AUDIENCE: env.auth.audience,
    GPU_NODE_LABEL_KEY: env.gpu.nodeLabel.key,
    GPU_NODE_LABEL_VALUE: env.gpu.nodeLabel.value,
    GPU_MIN_SCALE: String(env.gpu.minScale),
    GPU_MAX_SCALE: String(env.gpu.maxScale),
    OPENFAAS_GATEWAY: env.openfaas.gateway,
    EXPIRE_UPLOADS_SINK:
      platform === 'knative'
        ? `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/mediateca`
        : `${env.openfaas.gateway.replace(/\/$/, '')}/function/upload`,
    PURGE_TRASH_SINK:
      platform === 'knative'
        ? `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/mediateca`
        : `${env.openfaas.gateway.replace(/\/$/, '')}/function/assets`,
    EXPIRE_RIGHTS_SINK:
      platform === 'knative'
        ? `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/mediateca`
        : `${env.openfaas.gateway.replace(/\/$/, '')}/function/assets`,
    SWEEP_UPLOADS_SINK:
      platform === 'knative'
        ? `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/mediateca`
        : `${env.openfaas.gateway.replace(/\/$/, '')}/function/upload-complete`,
    EXPORT_SINK:
      platform === 'knative'
        ? `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/mediateca`
        : `${env.openfaas.gateway.replace(/\/$/, '')}/function/export`,
    BUCKET_ANALYTICS: env.buckets.analytics ?? '',
    UPLOAD_COMPLETE_URL:
      platform === 'knative'
        ? `http://upload-complete.${namespace}.svc.cluster.local/`
        : `${env.openfaas.gateway.replace(/\/$/, '')}/function/upload-complete`,
  };
}

const PLACEHOLDER = /\$\{([A-Z0-9_]+)\}/g;

/**
 * Fills placeholders in every scalar (keys too), keeping comments and layout. A plain scalar is read again
 * after substitution (`replicas: ${NATS_REPLICAS}` becomes the number 3), a quoted one stays a string, and a
 * map entry whose whole value is a placeholder left empty (an optional setting) is removed.
 */
export function fillPlaceholders(doc: Document, values: Record<string, string>, unknown: Set<string>): void {
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (match, key: string) => {
      if (!(key in values)) {
        unknown.add(key);
        return match;
      }
      return values[key]!;
    });
  YAML.visit(doc, {
    Pair(_, pair) {
      // pairs are visited before their scalars, so the value still holds the placeholder here
      if (isScalar(pair.value) && typeof pair.value.value === 'string') {
        const whole = /^\$\{([A-Z0-9_]+)\}$/.exec(pair.value.value);
        if (whole && values[whole[1]!] === '') return YAML.visit.REMOVE;
      }
      return undefined;
    },
    Scalar(_, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const filled = fill(node.value);
      if (node.type === 'PLAIN') {
        const reread: unknown = YAML.parse(filled);
        node.value = reread !== null && typeof reread !== 'object' ? reread : filled;
      } else {
        node.value = filled;
      }
    },
  });
}

export interface RenderedFile {
  /** relative to the output folder, e.g. knative/functions/upload.yaml */
  path: string;
  text: string;
}

export interface RenderOptions {
  baseDir?: string;
  stackFile?: string;
}

export function renderManifests(env: Environment, options: RenderOptions = {}): RenderedFile[] {
  const baseDir = options.baseDir ?? BASE_DIR;
  const otherStore = env.objectStore.kind === 'ceph' ? 'minio' : 'ceph';
  const templates = listYaml(baseDir).filter((file) => !file.startsWith(`object-store/${otherStore}/`));
  const unknown = new Set<string>();
  const render = (text: string, values: Record<string, string>, source: string) => {
    const docs = YAML.parseAllDocuments(text, { uniqueKeys: true });
    for (const doc of docs) {
      if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
      fillPlaceholders(doc, values, unknown);
    }
    return docs;
  };
  // documents after the first keep their own '---' line
  const stringify = (docs: Document[]) => docs.map((doc) => doc.toString({ lineWidth: 0, flowCollectionPadding: false })).join('');

  const files: RenderedFile[] = [];
  const knative = placeholders(env, 'knative');
  const openfaas = placeholders(env, 'openfaas');
  for (const file of templates) {
    const text = readFileSync(join(baseDir, file), 'utf8');
    if (file.startsWith('infra/') || file.endsWith('.values.yaml')) {
      files.push({ path: `infra/${basename(file)}`, text: stringify(render(text, knative, file)) });
    } else if (file.startsWith('openfaas/')) {
      files.push({ path: file, text: stringify(render(text, openfaas, file)) });
    } else if (file.startsWith('object-store/') || file.startsWith('schedules/')) {
      // bucket notifications and scheduled events reach functions through Knative or the OpenFaaS gateway
      files.push({ path: `knative/${file}`, text: stringify(render(text, knative, file)) });
      files.push({ path: `openfaas/${file}`, text: stringify(render(text, openfaas, file)) });
    } else {
      files.push({ path: `knative/${file}`, text: stringify(render(text, knative, file)) });
    }
  }

  const stack = render(readFileSync(options.stackFile ?? STACK_FILE, 'utf8'), openfaas, 'stack.yml');
  if (unknown.size > 0) throw new Error(`unknown placeholders: ${[...unknown].map((key) => `\${${key}}`).join(', ')}`);
  files.push({ path: 'openfaas/stack.yml', text: stringify(stack) });
  files.push({ path: 'openfaas/config.yml', text: openfaasEnvironmentFile(files) });
  return files;
}

/** faas-cli's environment_file: the same settings as the Knative ConfigMap, so the two cannot drift apart. */
function openfaasEnvironmentFile(files: RenderedFile[]): string {
  const config = files.find((file) => file.path === 'knative/app/config.yaml');
  if (!config) throw new Error('k8s/base/app/config.yaml (the mediateca-config ConfigMap) is missing');
  const data = (YAML.parse(config.text) as { data: Record<string, string> }).data;
  return `# Generated from k8s/base/app/config.yaml by scripts/render-manifests.ts: edit that file, not this one.\n${YAML.stringify({ environment: data }, { lineWidth: 0 })}`;
}

function listYaml(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix))
    .sort()
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry}` : entry;
      if (statSync(join(dir, path)).isDirectory()) return listYaml(dir, path);
      return /\.ya?ml$/.test(entry) ? [path] : [];
    });
}

export async function writeRendered(files: RenderedFile[], outDir: string): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  for (const file of files) {
    await mkdir(dirname(join(outDir, file.path)), { recursive: true });
    await writeFile(join(outDir, file.path), file.text);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { env: { type: 'string' }, out: { type: 'string' } } });
  if (!values.env) throw new Error('usage: npm run manifests:render -- --env <environment file> [--out <folder>]');
  const env = loadEnvironment(values.env);
  const outDir = resolve(values.out ?? join(ROOT, 'dist', 'manifests', env.name));
  const files = renderManifests(env);
  await writeRendered(files, outDir);
  console.log(`rendered ${files.length} files for ${env.name} into ${relative(process.cwd(), outDir) || '.'}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
