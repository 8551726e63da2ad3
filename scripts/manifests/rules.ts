// Project rules over a rendered set of manifests: mistakes that are valid Kubernetes/OpenFaaS but wrong for
// Mediateca (a typo'd annotation, a GPU pod that can land on any node, an event nobody receives...).
// Each rule is a plain function from the parsed set to issues; validate-manifests.ts runs them all.
import type { Stack } from './schemas.ts';

export type RuleId =
  | 'yaml'
  | 'schema'
  | 'unknown-field'
  | 'unknown-kind'
  | 'stack-schema'
  | 'placeholder'
  | 'annotation-key'
  | 'gpu-placement'
  | 'scale-to-zero'
  | 'knative-features'
  | 'trigger-catalog'
  | 'consumer-coverage'
  | 'function-coverage'
  | 'env-name'
  | 'reference';

export interface Issue {
  rule: RuleId;
  file: string;
  /** Kind/name of the object, or the stack function */
  object?: string;
  message: string;
}

export interface ManifestObject {
  file: string;
  /** apiVersion/kind */
  key: string;
  kind: string;
  name: string;
  namespace?: string;
  value: Record<string, any>;
}

export interface ManifestSet {
  objects: ManifestObject[];
  stack?: { file: string; value: Stack };
  /** openfaas/config.yml: the environment every stack function gets */
  openfaasEnvironment?: { file: string; value: Record<string, string> };
}

export interface ProjectContext {
  /** folders under functions/ */
  functions: string[];
  /** event type → consuming functions (shared/events/catalog.ts) */
  catalog: Record<string, { consumers: readonly string[] }>;
  /** bucket notifications carry these types; they reach consumers through the object store, not Triggers */
  objectCreatedPrefix: string;
  /** environment variable names the code reads */
  knownEnv: ReadonlySet<string>;
}

export type Rule = (set: ManifestSet, context: ProjectContext) => Issue[];

const KNATIVE_SERVICE = 'serving.knative.dev/v1/Service';
const TRIGGER = 'eventing.knative.dev/v1/Trigger';
const DEPLOYMENT = 'apps/v1/Deployment';
const JOB = 'batch/v1/Job';
const CRON_JOB = 'batch/v1/CronJob';
const GPU_RESOURCE = 'nvidia.com/gpu';

const inKnative = (object: ManifestObject) => object.file.startsWith('knative/');
const label = (object: ManifestObject) => `${object.kind}/${object.name}`;

function podTemplate(object: ManifestObject): Record<string, any> | undefined {
  if ([KNATIVE_SERVICE, DEPLOYMENT, JOB].includes(object.key)) return object.value.spec?.template;
  if (object.key === CRON_JOB) return object.value.spec?.jobTemplate?.spec?.template;
  return undefined;
}

function podSpec(object: ManifestObject): Record<string, any> | undefined {
  return podTemplate(object)?.spec;
}

function requestsGpu(spec: Record<string, any> | undefined): boolean {
  return (spec?.containers ?? []).some((c: any) => c.resources?.limits?.[GPU_RESOURCE] !== undefined || c.resources?.requests?.[GPU_RESOURCE] !== undefined);
}

/** Knative Services and worker Deployments: the deployed form of a function folder. */
function knativeFunctions(set: ManifestSet): ManifestObject[] {
  return set.objects.filter((o) => inKnative(o) && (o.key === KNATIVE_SERVICE || o.key === DEPLOYMENT));
}

function gpuFunctionNames(set: ManifestSet): Set<string> {
  return new Set(knativeFunctions(set).filter((o) => requestsGpu(podSpec(o))).map((o) => o.name));
}

function workerNames(set: ManifestSet): Set<string> {
  return new Set(knativeFunctions(set).filter((o) => o.key === DEPLOYMENT).map((o) => o.name));
}

// ---------------------------------------------------------------- annotation and label keys

/** Every annotation/label key Mediateca's manifests may use. A typo here is silently ignored by the platform. */
export const KNOWN_KEYS = new Set([
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'autoscaling.knative.dev/min-scale',
  'autoscaling.knative.dev/max-scale',
  'autoscaling.knative.dev/initial-scale',
  'autoscaling.knative.dev/activation-scale',
  'autoscaling.knative.dev/scale-down-delay',
  'autoscaling.knative.dev/scale-to-zero-pod-retention-period',
  'autoscaling.knative.dev/target',
  'autoscaling.knative.dev/target-utilization-percentage',
  'autoscaling.knative.dev/target-burst-capacity',
  'autoscaling.knative.dev/metric',
  'autoscaling.knative.dev/class',
  'autoscaling.knative.dev/window',
  'autoscaling.knative.dev/panic-window-percentage',
  'autoscaling.knative.dev/panic-threshold-percentage',
  'serving.knative.dev/rollout-duration',
  'networking.knative.dev/visibility',
  'features.knative.dev/queueproxy-podinfo',
  'eventing.knative.dev/broker.class',
  'bindings.knative.dev/include',
  'bindings.knative.dev/exclude',
  'com.openfaas.scale.min',
  'com.openfaas.scale.max',
  'com.openfaas.scale.factor',
  'com.openfaas.scale.zero',
  'com.openfaas.scale.zero-duration',
  'com.openfaas.scale.target',
  'com.openfaas.scale.target-proportion',
  'com.openfaas.scale.type',
  'com.openfaas.health.http.path',
  'com.openfaas.health.http.initialDelay',
  'com.openfaas.health.http.periodSeconds',
  'com.openfaas.ready.http.path',
  'com.openfaas.ready.http.initialDelay',
  'com.openfaas.ready.http.periodSeconds',
  'com.openfaas.profile',
]);

/** Keys under these prefixes are Mediateca's own and free-form. */
export const FREE_KEY_PREFIXES = ['mediateca.io/'];

export const annotationKeys: Rule = (set) => {
  const issues: Issue[] = [];
  const check = (file: string, object: string, where: string, map: unknown) => {
    if (!map || typeof map !== 'object') return;
    for (const key of Object.keys(map)) {
      if (KNOWN_KEYS.has(key) || FREE_KEY_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
      const hint = closest(key, [...KNOWN_KEYS]);
      issues.push({ rule: 'annotation-key', file, object, message: `unknown ${where} key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}` });
    }
  };
  for (const o of set.objects) {
    check(o.file, label(o), 'annotation', o.value.metadata?.annotations);
    check(o.file, label(o), 'label', o.value.metadata?.labels);
    check(o.file, label(o), 'annotation', podTemplate(o)?.metadata?.annotations);
    check(o.file, label(o), 'label', podTemplate(o)?.metadata?.labels);
    check(o.file, label(o), 'label', o.value.spec?.selector?.matchLabels);
  }
  if (set.stack) {
    for (const [fn, spec] of Object.entries(set.stack.value.functions ?? {})) {
      check(set.stack.file, fn, 'annotation', spec.annotations);
      check(set.stack.file, fn, 'label', spec.labels);
    }
  }
  return issues;
};

// ---------------------------------------------------------------- GPU pool

export const gpuPlacement: Rule = (set) => {
  const issues: Issue[] = [];
  for (const o of set.objects) {
    const spec = podSpec(o);
    if (!requestsGpu(spec)) continue;
    const tolerates = (spec!.tolerations ?? []).some((t: any) => t.key === GPU_RESOURCE || (t.operator === 'Exists' && !t.key));
    const pinned = Object.keys(spec!.nodeSelector ?? {}).length > 0 || spec!.affinity?.nodeAffinity;
    const missing = [!tolerates && `a toleration for the ${GPU_RESOURCE} taint`, !pinned && 'a nodeSelector (or node affinity) for GPU nodes', !spec!.runtimeClassName && 'runtimeClassName'].filter(Boolean);
    if (missing.length > 0) {
      issues.push({ rule: 'gpu-placement', file: o.file, object: label(o), message: `requests ${GPU_RESOURCE} but has no ${missing.join(', no ')}` });
    }
  }
  if (set.stack) {
    const gpuFunctions = gpuFunctionNames(set);
    for (const [fn, spec] of Object.entries(set.stack.value.functions ?? {})) {
      const profiles = (spec.annotations?.['com.openfaas.profile'] ?? '').split(',').map((p) => p.trim());
      if (!gpuFunctions.has(fn) && !profiles.includes('gpu')) continue;
      const missing = [!profiles.includes('gpu') && 'the annotation com.openfaas.profile: gpu', !(spec.constraints ?? []).length && 'constraints pinning it to GPU nodes'].filter(Boolean);
      if (missing.length > 0) issues.push({ rule: 'gpu-placement', file: set.stack.file, object: fn, message: `GPU function without ${missing.join(' and ')}` });
    }
  }
  return issues;
};

// ---------------------------------------------------------------- scale to zero

export const scaleToZero: Rule = (set) => {
  const issues: Issue[] = [];
  const gpu = gpuFunctionNames(set);
  const workers = workerNames(set);
  for (const o of set.objects.filter((x) => x.key === KNATIVE_SERVICE)) {
    const minScale = o.value.spec?.template?.metadata?.annotations?.['autoscaling.knative.dev/min-scale'];
    if (gpu.has(o.name)) {
      if (!(Number(minScale) >= 1)) issues.push({ rule: 'scale-to-zero', file: o.file, object: label(o), message: `the GPU pool must stay warm: autoscaling.knative.dev/min-scale is ${JSON.stringify(minScale)}, expected ≥ 1` });
    } else if (minScale !== '0') {
      issues.push({ rule: 'scale-to-zero', file: o.file, object: label(o), message: `CPU functions scale to zero: set autoscaling.knative.dev/min-scale: "0" (found ${JSON.stringify(minScale)})` });
    }
  }
  if (set.stack) {
    for (const [fn, spec] of Object.entries(set.stack.value.functions ?? {})) {
      const zero = spec.labels?.['com.openfaas.scale.zero'];
      const shouldScaleToZero = !gpu.has(fn) && !workers.has(fn);
      if (shouldScaleToZero && zero !== 'true') {
        issues.push({ rule: 'scale-to-zero', file: set.stack.file, object: fn, message: `set com.openfaas.scale.zero: "true" (OpenFaaS Pro scales it to zero when idle; found ${JSON.stringify(zero)})` });
      } else if (!shouldScaleToZero && zero === 'true') {
        issues.push({ rule: 'scale-to-zero', file: set.stack.file, object: fn, message: `${gpu.has(fn) ? 'the GPU pool' : 'a worker'} must not scale to zero (com.openfaas.scale.zero is "true")` });
      }
    }
  }
  return issues;
};

// ---------------------------------------------------------------- Knative feature flags

const FEATURE_FOR_FIELD: [field: string, flag: string][] = [
  ['nodeSelector', 'kubernetes.podspec-nodeselector'],
  ['tolerations', 'kubernetes.podspec-tolerations'],
  ['runtimeClassName', 'kubernetes.podspec-runtimeclassname'],
  ['affinity', 'kubernetes.podspec-affinity'],
];

export const knativeFeatures: Rule = (set) => {
  const issues: Issue[] = [];
  const features = set.objects.find((o) => o.key === 'v1/ConfigMap' && o.name === 'config-features' && o.namespace === 'knative-serving');
  const enabled = (flag: string) => features?.value.data?.[flag] === 'enabled';
  for (const o of set.objects.filter((x) => x.key === KNATIVE_SERVICE)) {
    const spec = podSpec(o) ?? {};
    const needed = FEATURE_FOR_FIELD.filter(([field]) => spec[field] !== undefined).map(([, flag]) => flag);
    if ((spec.volumes ?? []).some((volume: any) => volume.emptyDir)) needed.push('kubernetes.podspec-volumes-emptydir');
    if ((spec.volumes ?? []).some((volume: any) => volume.persistentVolumeClaim)) needed.push('kubernetes.podspec-persistent-volume-claim');
    for (const flag of needed.filter((f) => !enabled(f))) {
      issues.push({ rule: 'knative-features', file: o.file, object: label(o), message: `uses a pod field Knative rejects unless config-features (knative-serving) has ${flag}: enabled` });
    }
  }
  return issues;
};

// ---------------------------------------------------------------- Triggers against the event catalog

export const triggerCatalog: Rule = (set, context) => {
  const issues: Issue[] = [];
  for (const o of set.objects.filter((x) => x.key === TRIGGER)) {
    const type: unknown = o.value.spec?.filter?.attributes?.type;
    const subscriber = o.value.spec?.subscriber?.ref;
    const issue = (message: string) => issues.push({ rule: 'trigger-catalog', file: o.file, object: label(o), message });
    if (typeof type !== 'string') {
      issue('has no filter on the CloudEvent type: it would deliver every event on the Broker');
      continue;
    }
    if (!subscriber || subscriber.kind !== 'Service' || subscriber.apiVersion !== 'serving.knative.dev/v1') {
      issue('its subscriber must be a ref to a function (serving.knative.dev/v1 Service)');
      continue;
    }
    const consumers = context.catalog[type]?.consumers;
    if (!consumers) {
      issue(`filters on ${type}, which is not in the event catalog (shared/events/catalog.ts)`);
    } else if (!consumers.includes(subscriber.name)) {
      issue(`delivers ${type} to ${subscriber.name}, but the event catalog names ${consumers.join(', ') || 'no consumer'} for it`);
    }
  }
  return issues;
};

/** Every consumer in the catalog receives its types: a Trigger on Knative, the bucket notification for S3 types. */
export const consumerCoverage: Rule = (set, context) => {
  const issues: Issue[] = [];
  const triggers = set.objects.filter((o) => o.key === TRIGGER);
  const notificationTargets = (platform: string) =>
    set.objects
      .filter((o) => o.key === JOB && o.file.startsWith(`${platform}/`))
      .flatMap((o) => (podSpec(o)?.containers ?? []).flatMap((c: any) => (c.env ?? []).filter((e: any) => e.name === 'NOTIFY_ENDPOINT').map((e: any) => String(e.value))));
  const hasKnative = set.objects.some(inKnative);
  const hasOpenfaas = set.stack !== undefined;
  for (const [type, { consumers }] of Object.entries(context.catalog)) {
    for (const consumer of consumers) {
      if (type.startsWith(context.objectCreatedPrefix)) {
        if (hasKnative && !notificationTargets('knative').some((url) => safeUrl(url)?.hostname.split('.')[0] === consumer)) {
          issues.push({ rule: 'consumer-coverage', file: 'knative/object-store', message: `${consumer} consumes ${type}, but no bucket-notification Job pushes to its Knative address (NOTIFY_ENDPOINT http://${consumer}.<namespace>.svc.cluster.local/)` });
        }
        if (hasOpenfaas && !notificationTargets('openfaas').some((url) => safeUrl(url)?.pathname.replace(/\/$/, '') === `/function/${consumer}`)) {
          issues.push({ rule: 'consumer-coverage', file: 'openfaas/object-store', message: `${consumer} consumes ${type}, but no bucket-notification Job pushes to <gateway>/function/${consumer}` });
        }
      } else if (hasKnative && !triggers.some((t) => t.value.spec?.filter?.attributes?.type === type && t.value.spec?.subscriber?.ref?.name === consumer)) {
        issues.push({ rule: 'consumer-coverage', file: 'knative/functions', message: `${consumer} consumes ${type} (event catalog), but no Trigger delivers it` });
      }
      if (hasOpenfaas && !(consumer in (set.stack!.value.functions ?? {}))) {
        issues.push({ rule: 'consumer-coverage', file: set.stack!.file, message: `${consumer} consumes ${type}, but stack.yml has no such function for jetstream-bridge to call` });
      }
    }
  }
  return issues;
};

// ---------------------------------------------------------------- every function deployed, nothing else

export const functionCoverage: Rule = (set, context) => {
  const issues: Issue[] = [];
  const deployed = knativeFunctions(set);
  const knativeNames = new Set(deployed.map((o) => o.name));
  const stackNames = new Set(Object.keys(set.stack?.value.functions ?? {}));
  const hasKnative = set.objects.some(inKnative);
  for (const fn of context.functions) {
    if (hasKnative && !knativeNames.has(fn)) issues.push({ rule: 'function-coverage', file: 'knative/', message: `functions/${fn} has no Knative Service (nor a worker Deployment)` });
    if (set.stack && !stackNames.has(fn)) issues.push({ rule: 'function-coverage', file: set.stack.file, message: `functions/${fn} has no stack.yml entry` });
  }
  const manifests = [...deployed.map((o) => ({ name: o.name, file: o.file, object: label(o) })), ...[...stackNames].map((name) => ({ name, file: set.stack!.file, object: name }))];
  for (const m of manifests.filter((x) => !context.functions.includes(x.name))) {
    issues.push({ rule: 'function-coverage', file: m.file, object: m.object, message: `deploys ${m.name}, but there is no functions/${m.name}` });
  }
  return issues;
};

// ---------------------------------------------------------------- environment variable names

/** Read by the image, not the code: the Dockerfile's entrypoint picks dist/$FUNCTION/index.mjs. */
export const IMAGE_ENV = new Set(['FUNCTION']);

export const envNames: Rule = (set, context) => {
  const issues: Issue[] = [];
  const known = (name: string) => context.knownEnv.has(name) || IMAGE_ENV.has(name);
  const report = (file: string, object: string, name: string, where: string) => {
    const hint = closest(name, [...context.knownEnv]);
    issues.push({ rule: 'env-name', file, object, message: `${where} sets ${name}, which no code reads${hint ? ` (did you mean ${hint}?)` : ''}` });
  };
  const configMaps = new Set<string>();
  for (const o of knativeFunctions(set)) {
    for (const container of podSpec(o)?.containers ?? []) {
      for (const e of container.env ?? []) if (!known(e.name)) report(o.file, label(o), e.name, 'env');
      for (const source of container.envFrom ?? []) if (source.configMapRef?.name) configMaps.add(source.configMapRef.name);
    }
  }
  for (const o of set.objects.filter((x) => x.key === 'v1/ConfigMap' && configMaps.has(x.name))) {
    for (const name of Object.keys(o.value.data ?? {})) if (!known(name)) report(o.file, label(o), name, 'ConfigMap');
  }
  if (set.stack) {
    for (const [fn, spec] of Object.entries(set.stack.value.functions ?? {})) {
      for (const name of Object.keys(spec.environment ?? {})) if (!known(name)) report(set.stack.file, fn, name, 'environment');
    }
  }
  if (set.openfaasEnvironment) {
    for (const name of Object.keys(set.openfaasEnvironment.value)) if (!known(name)) report(set.openfaasEnvironment.file, 'environment', name, 'environment_file');
  }
  return issues;
};

// ---------------------------------------------------------------- references between objects

export const references: Rule = (set) => {
  const issues: Issue[] = [];
  const exists = (kind: string, name: string) => set.objects.some((o) => o.kind === kind && o.name === name);
  const need = (o: ManifestObject, kind: unknown, name: unknown, what: string) => {
    if (typeof kind === 'string' && typeof name === 'string' && !exists(kind, name)) issues.push({ rule: 'reference', file: o.file, object: label(o), message: `${what} ${kind}/${name} is not in the manifests` });
  };
  for (const o of set.objects) {
    const spec = o.value.spec ?? {};
    if (o.key === TRIGGER) {
      need(o, 'Broker', spec.broker, 'broker');
      need(o, spec.subscriber?.ref?.kind, spec.subscriber?.ref?.name, 'subscriber');
    }
    if (o.key === TRIGGER || o.kind === 'Broker') need(o, spec.delivery?.deadLetterSink?.ref?.kind, spec.delivery?.deadLetterSink?.ref?.name, 'dead-letter sink');
    if (o.kind === 'Broker') need(o, spec.config?.kind, spec.config?.name, 'config');
    if (o.kind === 'SinkBinding') {
      need(o, spec.subject?.kind, spec.subject?.name, 'subject');
      need(o, spec.sink?.ref?.kind, spec.sink?.ref?.name, 'sink');
    }
    for (const container of podSpec(o)?.containers ?? []) {
      for (const source of container.envFrom ?? []) need(o, 'ConfigMap', source.configMapRef?.name, 'envFrom');
    }
  }
  return issues;
};

export const RULES: Rule[] = [annotationKeys, gpuPlacement, scaleToZero, knativeFeatures, triggerCatalog, consumerCoverage, functionCoverage, envNames, references];

// ---------------------------------------------------------------- helpers

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The nearest candidate within a small edit distance, for "did you mean". */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(word.length / 5)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
