// Strict valibot schemas for what has no typed model: the CRDs we use from eventing-natss, OpenFaaS and
// CloudNativePG, and the OpenFaaS stack file. Strict = an unknown field is an error, as with the models.
// Each CRD schema covers the fields of its upstream type that a Mediateca manifest may set; extend it
// (from the upstream API type) before using another field.
import * as v from 'valibot';
import { tolerationErrors, unknownCoreFields } from './models.ts';

const stringMap = v.record(v.string(), v.string());
const dnsName = v.pipe(v.string(), v.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label'));
// Go's time.Duration as metav1.Duration parses it: 2m, 168h, 1h30m
const goDuration = v.pipe(v.string(), v.regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, 'must be a Go duration such as 30s, 35m or 168h'));
const quantity = v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+(\.\d+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/, 'must be a Kubernetes quantity'))]);

const objectMeta = v.strictObject({
  name: dnsName,
  namespace: v.optional(dnsName),
  labels: v.optional(stringMap),
  annotations: v.optional(stringMap),
});

// eventing-natss pkg/apis/messaging/v1alpha1 (NatsJetStreamChannelSpec)
const streamConfig = v.strictObject({
  additionalSubjects: v.optional(v.array(v.string())),
  retention: v.optional(v.picklist(['Limits', 'Interest', 'Work'])),
  maxConsumers: v.optional(v.pipe(v.number(), v.integer())),
  maxMsgs: v.optional(v.pipe(v.number(), v.integer())),
  maxBytes: v.optional(v.pipe(v.number(), v.integer())),
  discard: v.optional(v.picklist(['Old', 'New'])),
  maxAge: v.optional(goDuration),
  maxMsgSize: v.optional(v.pipe(v.number(), v.integer(), v.maxValue(1048576))),
  storage: v.optional(v.picklist(['File', 'Memory'])),
  replicas: v.optional(v.picklist([1, 3, 5])),
  noAck: v.optional(v.boolean()),
  duplicateWindow: v.optional(goDuration),
  placement: v.optional(v.strictObject({ cluster: v.optional(v.string()), tags: v.optional(v.array(v.string())) })),
});

const consumerConfigTemplate = v.strictObject({
  deliverPolicy: v.optional(v.picklist(['All', 'Last', 'New', 'ByStartSequence', 'ByStartTime'])),
  optStartSeq: v.optional(v.pipe(v.number(), v.integer())),
  optStartTime: v.optional(v.string()),
  ackWait: v.optional(goDuration),
  maxDeliver: v.optional(v.pipe(v.number(), v.integer())),
  filterSubject: v.optional(v.string()),
  replayPolicy: v.optional(v.picklist(['Instant', 'Original'])),
  rateLimitBPS: v.optional(v.pipe(v.number(), v.integer())),
  sampleFrequency: v.optional(v.string()),
  maxAckPending: v.optional(v.pipe(v.number(), v.integer())),
});

const natsJetStreamChannelSpec = v.strictObject({
  stream: v.optional(v.strictObject({ overrideName: v.optional(v.string()), config: v.optional(streamConfig) })),
  consumerConfigTemplate: v.optional(consumerConfigTemplate),
});

export const NatsJetStreamChannel = v.strictObject({
  apiVersion: v.literal('messaging.knative.dev/v1alpha1'),
  kind: v.literal('NatsJetStreamChannel'),
  metadata: objectMeta,
  spec: v.optional(natsJetStreamChannelSpec),
});

/** The `channel-template-spec` a channel-based Broker's ConfigMap carries (a channel without metadata). */
export const NatsJetStreamChannelTemplate = v.strictObject({
  apiVersion: v.literal('messaging.knative.dev/v1alpha1'),
  kind: v.literal('NatsJetStreamChannel'),
  spec: v.optional(natsJetStreamChannelSpec),
});

// OpenFaaS Pro Profile (openfaas.com/v1): only the pod options Mediateca sets
export const OpenFaasProfile = v.strictObject({
  apiVersion: v.literal('openfaas.com/v1'),
  kind: v.literal('Profile'),
  metadata: objectMeta,
  spec: v.strictObject({
    runtimeClassName: v.optional(dnsName),
    tolerations: v.optional(
      v.pipe(
        v.array(v.record(v.string(), v.unknown())),
        v.check((items) => items.every((item, i) => tolerationErrors(item).length === 0 && unknownCoreFields('Toleration', item, `tolerations[${i}]`).length === 0), 'tolerations must be valid core/v1 Tolerations'),
      ),
    ),
  }),
});

// CloudNativePG Cluster (postgresql.cnpg.io/v1)
export const CnpgCluster = v.strictObject({
  apiVersion: v.literal('postgresql.cnpg.io/v1'),
  kind: v.literal('Cluster'),
  metadata: objectMeta,
  spec: v.strictObject({
    instances: v.pipe(v.number(), v.integer(), v.minValue(1)),
    imageName: v.optional(v.string()),
    storage: v.strictObject({ size: v.string(), storageClass: v.optional(v.string()) }),
    postgresql: v.optional(v.strictObject({ parameters: v.optional(stringMap) })),
    bootstrap: v.optional(
      v.strictObject({
        initdb: v.strictObject({
          database: v.string(),
          owner: v.string(),
          secret: v.optional(v.strictObject({ name: v.string() })),
          postInitApplicationSQL: v.optional(v.array(v.string())),
        }),
      }),
    ),
  }),
});

/** CRD kinds without a typed model, by apiVersion/kind. */
export const CRD_SCHEMAS: Record<string, v.GenericSchema> = {
  'messaging.knative.dev/v1alpha1/NatsJetStreamChannel': NatsJetStreamChannel,
  'openfaas.com/v1/Profile': OpenFaasProfile,
  'postgresql.cnpg.io/v1/Cluster': CnpgCluster,
};

// faas-cli stack file (https://docs.openfaas.com/reference/yaml/), the keys Mediateca uses
const resources = v.strictObject({ memory: v.optional(quantity), cpu: v.optional(quantity) });

export const StackFunction = v.strictObject({
  lang: v.literal('dockerfile'),
  handler: v.string(),
  image: v.pipe(v.string(), v.regex(/^[^\s]+:[\w][\w.-]*$/, 'must be an image reference with a tag')),
  environment: v.optional(stringMap),
  environment_file: v.optional(v.array(v.string())),
  secrets: v.optional(v.array(dnsName)),
  labels: v.optional(stringMap),
  annotations: v.optional(stringMap),
  constraints: v.optional(v.array(v.pipe(v.string(), v.regex(/^[^=\s]+=[^=\s]*$/, 'must be <node label>=<value>')))),
  requests: v.optional(resources),
  limits: v.optional(resources),
  readonly_root_filesystem: v.optional(v.boolean()),
  build_args: v.optional(stringMap),
  namespace: v.optional(dnsName),
});

export const Stack = v.strictObject({
  version: v.union([v.literal(1), v.literal('1.0')]),
  provider: v.strictObject({ name: v.literal('openfaas'), gateway: v.pipe(v.string(), v.url()) }),
  configuration: v.optional(v.strictObject({ templates: v.optional(v.array(v.strictObject({ name: v.string(), source: v.optional(v.string()) }))) })),
  functions: v.record(dnsName, StackFunction),
});
export type Stack = v.InferOutput<typeof Stack>;

/** faas-cli's environment_file */
export const OpenFaasEnvironmentFile = v.strictObject({ environment: stringMap });

export function schemaErrors(schema: v.GenericSchema, value: unknown): string[] {
  const result = v.safeParse(schema, value);
  return result.success ? [] : result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`);
}
