// Kubernetes objects checked against the typed models of kubernetes-models and @kubernetes-models/knative.
//
// The models' validate() checks types, enums and required fields but lets unknown fields through (verified:
// `spec.template.spec.containers[0].imagee` passes), and the API server would silently drop such a typo. So
// every field is also looked up in the model's TypeScript declaration, read with the TypeScript compiler: the
// same types the models are generated from, with nothing copied by hand. Fields that Knative's CRD leaves open
// (`tolerations: Array<{}>`, `nodeSelector: {}`) are checked against the core Kubernetes types instead.
import { join } from 'node:path';
import ts from 'typescript';
import { Broker, Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1';
import { SinkBinding } from '@kubernetes-models/knative/sources.knative.dev/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Namespace, Secret, Toleration } from 'kubernetes-models/v1';

interface Validatable {
  validate(): void;
}

interface ModelEntry {
  create: (data: unknown) => Validatable;
  /** module and exported interface of the model's declaration */
  module: string;
  type: string;
}

/** apiVersion/kind → model. Kinds missing here fall to the strict valibot schemas (schemas.ts) or are rejected. */
export const MODELS: Record<string, ModelEntry> = {
  'v1/Namespace': { create: (d) => new Namespace(d as never), module: 'kubernetes-models/v1', type: 'INamespace' },
  'v1/ConfigMap': { create: (d) => new ConfigMap(d as never), module: 'kubernetes-models/v1', type: 'IConfigMap' },
  'v1/Secret': { create: (d) => new Secret(d as never), module: 'kubernetes-models/v1', type: 'ISecret' },
  'apps/v1/Deployment': { create: (d) => new Deployment(d as never), module: 'kubernetes-models/apps/v1', type: 'IDeployment' },
  'batch/v1/Job': { create: (d) => new Job(d as never), module: 'kubernetes-models/batch/v1', type: 'IJob' },
  'batch/v1/CronJob': { create: (d) => new CronJob(d as never), module: 'kubernetes-models/batch/v1', type: 'ICronJob' },
  'serving.knative.dev/v1/Service': { create: (d) => new KnativeService(d as never), module: '@kubernetes-models/knative/serving.knative.dev/v1', type: 'IService' },
  'eventing.knative.dev/v1/Trigger': { create: (d) => new Trigger(d as never), module: '@kubernetes-models/knative/eventing.knative.dev/v1', type: 'ITrigger' },
  'eventing.knative.dev/v1/Broker': { create: (d) => new Broker(d as never), module: '@kubernetes-models/knative/eventing.knative.dev/v1', type: 'IBroker' },
  'sources.knative.dev/v1/SinkBinding': { create: (d) => new SinkBinding(d as never), module: '@kubernetes-models/knative/sources.knative.dev/v1', type: 'ISinkBinding' },
};

/** Core types used to check fields a CRD leaves open, and embedded specs (the OpenFaaS Profile's tolerations). */
const CORE_TYPES = { Toleration: { module: 'kubernetes-models/v1', type: 'IToleration' } } as const;

export function modelKey(object: { apiVersion?: unknown; kind?: unknown }): string {
  return `${object.apiVersion}/${object.kind}`;
}

/** The model's own validation (types, enums, required fields), one message per problem. */
export function modelErrors(key: string, object: unknown): string[] {
  const entry = MODELS[key];
  if (!entry) return [];
  return validationErrors(() => entry.create(object).validate());
}

export function tolerationErrors(toleration: unknown): string[] {
  return validationErrors(() => new Toleration(toleration as never).validate());
}

function validationErrors(run: () => void): string[] {
  try {
    run();
    return [];
  } catch (error) {
    return String((error as Error).message).split('\n').map((line) => line.replace(/^data\//, '').trim()).filter(Boolean);
  }
}

/** Knative paths whose CRD type is open (`{}`), checked as the core type they carry. */
const OPEN_FIELD_TYPES: Record<string, { path: string[]; type: keyof typeof CORE_TYPES }[]> = {
  'serving.knative.dev/v1/Service': [{ path: ['spec', 'template', 'spec', 'tolerations'], type: 'Toleration' }],
};

/** Fields not declared by the model's type, as dotted paths (`spec.template.spec.containers[0].imagee`). */
export function unknownFields(key: string, object: unknown): string[] {
  const entry = MODELS[key];
  if (!entry) return [];
  const types = modelTypes();
  const found: string[] = [];
  walk(types.checker, object, types.byKey.get(key)!, '', found);
  for (const open of OPEN_FIELD_TYPES[key] ?? []) {
    const items = open.path.reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], object);
    if (Array.isArray(items)) {
      items.forEach((item, i) => walk(types.checker, item, types.core.get(open.type)!, `${open.path.join('.')}[${i}]`, found));
    }
  }
  return found;
}

/** Unknown fields of an embedded core object (e.g. a toleration in an OpenFaaS Profile). */
export function unknownCoreFields(type: keyof typeof CORE_TYPES, value: unknown, path: string): string[] {
  const types = modelTypes();
  const found: string[] = [];
  walk(types.checker, value, types.core.get(type)!, path, found);
  return found;
}

function walk(checker: ts.TypeChecker, value: unknown, declared: ts.Type, path: string, found: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const type = checker.getNonNullableType(declared);
  const members = type.isUnion() ? type.types : [type];
  if (Array.isArray(value)) {
    const array = members.find((member) => checker.isArrayType(member));
    const element = array && checker.getTypeArguments(array as ts.TypeReference)[0];
    if (element) value.forEach((item, i) => walk(checker, item, element, `${path}[${i}]`, found));
    return;
  }
  const objects = members.filter((member) => member.flags & ts.TypeFlags.Object && !checker.isArrayType(member));
  if (objects.length === 0) return; // a primitive where an object sits: validate() reports the type
  // `{}` is how the generator writes x-kubernetes-preserve-unknown-fields: anything goes there
  if (objects.some((member) => checker.getPropertiesOfType(member).length === 0 && !member.getStringIndexType())) return;
  const indexType = objects.map((member) => member.getStringIndexType()).find(Boolean);
  for (const [name, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${name}` : name;
    const property = objects.map((member) => member.getProperty(name)).find(Boolean);
    if (property) walk(checker, child, checker.getTypeOfSymbol(property), childPath, found);
    else if (indexType) walk(checker, child, indexType, childPath, found);
    else found.push(childPath);
  }
}

interface ModelTypes {
  checker: ts.TypeChecker;
  byKey: Map<string, ts.Type>;
  core: Map<string, ts.Type>;
}

let cached: ModelTypes | undefined;

/** Compiles a one-file program that imports every model's interface; ~1-2 s once per process. */
function modelTypes(): ModelTypes {
  if (cached) return cached;
  const entries = [...Object.entries(MODELS), ...Object.entries(CORE_TYPES).map(([name, type]) => [`core:${name}`, type] as const)];
  const lines = entries.map(([, entry], i) => `import type { ${entry.type} as T${i} } from '${entry.module}';`);
  lines.push(`export interface Models { ${entries.map(([key], i) => `'${key}': T${i};`).join(' ')} }`);
  // The virtual file sits in the project so module resolution finds node_modules.
  const fileName = join(import.meta.dirname, '__manifest_models__.ts');
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === fileName ? ts.createSourceFile(name, lines.join('\n'), language) : readSource(name, language, ...rest));
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const checker = program.getTypeChecker();
  const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName));
  if (problems.length > 0) throw new Error(`cannot read the model types: ${ts.flattenDiagnosticMessageText(problems[0]!.messageText, ' ')}`);
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(fileName)!)!;
  const models = checker.getDeclaredTypeOfSymbol(checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === 'Models')!);
  const typeOf = (key: string) => checker.getTypeOfSymbol(models.getProperty(key)!);
  cached = {
    checker,
    byKey: new Map(Object.keys(MODELS).map((key) => [key, typeOf(key)])),
    core: new Map(Object.keys(CORE_TYPES).map((name) => [name, typeOf(`core:${name}`)])),
  };
  return cached;
}
