// The validator passes the real manifests, and each rule catches a deliberately broken copy.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import YAML from 'yaml';
import { ROOT, type RenderedFile, loadEnvironment, renderManifests } from '../render-manifests.ts';
import { formatIssues, projectContext, validateFiles } from '../validate-manifests.ts';
import type { ProjectContext, RuleId } from './rules.ts';

let real: RenderedFile[];
let context: ProjectContext;

before(() => {
  real = renderManifests(loadEnvironment(join(ROOT, 'k8s/environments/production.json')));
  context = projectContext();
});

/** A copy of the rendered files with one file's documents changed (as plain objects). */
function edit(path: string, change: (docs: any[]) => any[] | void): RenderedFile[] {
  assert.ok(real.some((file) => file.path === path), `no rendered file ${path}`);
  return real.map((file) => {
    if (file.path !== path) return file;
    const docs = YAML.parseAllDocuments(file.text).map((doc) => doc.toJS());
    const changed = change(docs) ?? docs;
    return { path, text: changed.map((doc) => YAML.stringify(doc)).join('---\n') };
  });
}

function editText(path: string, change: (text: string) => string): RenderedFile[] {
  return real.map((file) => (file.path === path ? { path, text: change(file.text) } : file));
}

/** The broken copy fails with this rule, with a message matching `pattern`. */
function assertCaught(files: RenderedFile[], rule: RuleId, pattern: RegExp, ctx: ProjectContext = context): void {
  const found = validateFiles(files, ctx).filter((issue) => issue.rule === rule);
  assert.ok(found.some((issue) => pattern.test(issue.message)), `expected a ${rule} error matching ${pattern}, got:\n${formatIssues(found) || '(none)'}`);
}

const byName = (docs: any[], kind: string, name: string) => {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(doc, `no ${kind}/${name}`);
  return doc;
};
const container = (service: any) => service.spec.template.spec.containers[0];

describe('real manifests', () => {
  test('every rendered environment validates without errors', () => {
    for (const env of ['production.json', 'staging.json']) {
      const files = renderManifests(loadEnvironment(join(ROOT, 'k8s/environments', env)));
      const issues = validateFiles(files, context);
      assert.deepEqual(issues, [], formatIssues(issues));
    }
  });
});

describe('each rule catches a broken copy', () => {
  test('yaml: a duplicate key', () => {
    assertCaught(editText('knative/functions/upload.yaml', (text) => text.replace('timeoutSeconds: 60', 'timeoutSeconds: 60\n      timeoutSeconds: 90')), 'yaml', /unique/i);
  });

  test('schema: a wrong type in a Knative Service', () => {
    const files = edit('knative/functions/upload.yaml', (docs) => { byName(docs, 'Service', 'upload').spec.template.spec.containerConcurrency = 'many'; });
    assertCaught(files, 'schema', /containerConcurrency must be integer/);
  });

  test('schema: a CRD without a model (NatsJetStreamChannel) and the Broker channel template', () => {
    const files = edit('knative/eventing/broker.yaml', (docs) => {
      byName(docs, 'NatsJetStreamChannel', 'mediateca-dead-letters').spec.stream.config.retention = 'Forever';
      const template = YAML.parse(byName(docs, 'ConfigMap', 'mediateca-broker-channel').data['channel-template-spec']);
      template.spec.consumerConfigTemplate.ackwait = template.spec.consumerConfigTemplate.ackWait;
      byName(docs, 'ConfigMap', 'mediateca-broker-channel').data['channel-template-spec'] = YAML.stringify(template);
    });
    assertCaught(files, 'schema', /retention/);
    assertCaught(files, 'schema', /channel-template-spec: .*ackwait/);
  });

  test('unknown-field: a misspelt field the model lets through', () => {
    const files = edit('knative/functions/search.yaml', (docs) => { container(byName(docs, 'Service', 'search')).imagee = 'x'; });
    assertCaught(files, 'unknown-field', /spec\.template\.spec\.containers\[0\]\.imagee/);
  });

  test('unknown-field: Knative open fields are checked as core types (tolerations)', () => {
    const files = edit('knative/functions/enrich.yaml', (docs) => { byName(docs, 'Service', 'enrich').spec.template.spec.tolerations[0].operatr = 'Exists'; });
    assertCaught(files, 'unknown-field', /tolerations\[0\]\.operatr/);
  });

  test('unknown-kind: a kind with neither model nor schema', () => {
    const files = edit('knative/app/config.yaml', (docs) => [...docs, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'api' } }]);
    assertCaught(files, 'unknown-kind', /HTTPRoute has neither/);
  });

  test('stack-schema: an unknown key and a wrong lang in stack.yml', () => {
    const files = edit('openfaas/stack.yml', ([stack]) => {
      stack.functions.search.enviroment = { LOG_LEVEL: 'debug' };
      stack.functions.upload.lang = 'node18';
      return [stack];
    });
    assertCaught(files, 'stack-schema', /enviroment/);
    assertCaught(files, 'stack-schema', /functions\.upload\.lang/);
  });

  test('placeholder: a value the renderer did not fill', () => {
    assertCaught(editText('knative/app/config.yaml', (text) => text.replace('LOG_LEVEL: info', 'LOG_LEVEL: ${LOG_LEVEL}')), 'placeholder', /\$\{LOG_LEVEL\}/);
  });

  test('annotation-key: a typo in a Knative annotation and in an OpenFaaS label', () => {
    const files = edit('knative/functions/upload.yaml', (docs) => {
      const annotations = byName(docs, 'Service', 'upload').spec.template.metadata.annotations;
      annotations['autoscaling.knative.dev/minscale'] = annotations['autoscaling.knative.dev/min-scale'];
      delete annotations['autoscaling.knative.dev/min-scale'];
    });
    assertCaught(files, 'annotation-key', /autoscaling\.knative\.dev\/minscale.*did you mean "autoscaling\.knative\.dev\/min-scale"/);
    const stack = edit('openfaas/stack.yml', ([s]) => { s.functions.index.labels['com.openfaas.scale.mim'] = '1'; });
    assertCaught(stack, 'annotation-key', /com\.openfaas\.scale\.mim/);
  });

  test('gpu-placement: a GPU service without tolerations, a GPU stack function without constraints', () => {
    const files = edit('knative/functions/enrich.yaml', (docs) => { delete byName(docs, 'Service', 'enrich').spec.template.spec.tolerations; });
    assertCaught(files, 'gpu-placement', /requests nvidia\.com\/gpu but has no a toleration/);
    const noSelector = edit('knative/functions/enrich.yaml', (docs) => { delete byName(docs, 'Service', 'enrich').spec.template.spec.nodeSelector; });
    assertCaught(noSelector, 'gpu-placement', /nodeSelector/);
    const stack = edit('openfaas/stack.yml', ([s]) => { delete s.functions.enrich.constraints; });
    assertCaught(stack, 'gpu-placement', /constraints/);
  });

  test('scale-to-zero: a CPU function kept warm, a GPU pool allowed to go cold', () => {
    const warm = edit('knative/functions/upload.yaml', (docs) => { byName(docs, 'Service', 'upload').spec.template.metadata.annotations['autoscaling.knative.dev/min-scale'] = '1'; });
    assertCaught(warm, 'scale-to-zero', /CPU functions scale to zero/);
    const cold = edit('knative/functions/enrich.yaml', (docs) => { byName(docs, 'Service', 'enrich').spec.template.metadata.annotations['autoscaling.knative.dev/min-scale'] = '0'; });
    assertCaught(cold, 'scale-to-zero', /GPU pool must stay warm/);
    const stack = edit('openfaas/stack.yml', ([s]) => { s.functions['outbox-relay'].labels['com.openfaas.scale.zero'] = 'true'; });
    assertCaught(stack, 'scale-to-zero', /worker must not scale to zero/);
  });

  test('knative-features: tolerations and a PVC (the models volume) used without their feature flags', () => {
    const files = edit('knative/platform/knative-serving.yaml', (docs) => { delete byName(docs, 'ConfigMap', 'config-features').data['kubernetes.podspec-tolerations']; });
    assertCaught(files, 'knative-features', /kubernetes\.podspec-tolerations: enabled/);
    const pvc = edit('knative/platform/knative-serving.yaml', (docs) => { delete byName(docs, 'ConfigMap', 'config-features').data['kubernetes.podspec-persistent-volume-claim']; });
    assertCaught(pvc, 'knative-features', /kubernetes\.podspec-persistent-volume-claim: enabled/);
  });

  test('trigger-catalog: a type the catalog does not know, and a subscriber it does not name', () => {
    const typo = edit('knative/functions/index.yaml', (docs) => { byName(docs, 'Trigger', 'index-asset-rendered').spec.filter.attributes.type = 'io.mediateca.asset.renderd'; });
    assertCaught(typo, 'trigger-catalog', /io\.mediateca\.asset\.renderd, which is not in the event catalog/);
    const wrong = edit('knative/functions/transcode.yaml', (docs) => { byName(docs, 'Trigger', 'transcode-asset-uploaded').spec.subscriber.ref.name = 'index'; });
    assertCaught(wrong, 'trigger-catalog', /delivers io\.mediateca\.asset\.uploaded to index, but the event catalog names transcode/);
  });

  test('consumer-coverage: a catalog consumer with no Trigger, a bucket notification to the wrong place', () => {
    const noTrigger = edit('knative/functions/index.yaml', (docs) => docs.filter((d) => d.metadata.name !== 'index-asset-deleted'));
    assertCaught(noTrigger, 'consumer-coverage', /index consumes io\.mediateca\.asset\.deleted .*no Trigger/);
    const notification = edit('knative/object-store/ceph/notifications.yaml', ([job]) => {
      job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'NOTIFY_ENDPOINT').value = 'http://transcode.mediateca.svc.cluster.local/';
      return [job];
    });
    assertCaught(notification, 'consumer-coverage', /upload-complete consumes com\.amazonaws\.s3\.ObjectCreated/);
  });

  test('function-coverage: a function folder without manifests, a manifest without a folder', () => {
    assertCaught(real, 'function-coverage', /functions\/publish has no Knative Service/, { ...context, functions: [...context.functions, 'publish'] });
    assertCaught(real, 'function-coverage', /functions\/publish has no stack\.yml entry/, { ...context, functions: [...context.functions, 'publish'] });
    const ghost = edit('openfaas/stack.yml', ([s]) => { s.functions.ghost = s.functions.search; });
    assertCaught(ghost, 'function-coverage', /deploys ghost, but there is no functions\/ghost/);
  });

  test('env-name: an environment variable no code reads', () => {
    const files = edit('knative/functions/search.yaml', (docs) => { container(byName(docs, 'Service', 'search')).env.push({ name: 'DATABSE_URL', value: 'x' }); });
    assertCaught(files, 'env-name', /DATABSE_URL, which no code reads \(did you mean DATABASE_URL\?\)/);
    const config = edit('openfaas/config.yml', ([file]) => { file.environment.BUCKET_MASTER = 'x'; });
    assertCaught(config, 'env-name', /BUCKET_MASTER/);
  });

  test('reference: a Trigger on a Broker that is not deployed', () => {
    const files = edit('knative/functions/transcode.yaml', (docs) => { byName(docs, 'Trigger', 'transcode-asset-uploaded').spec.broker = 'default'; });
    assertCaught(files, 'reference', /broker Broker\/default is not in the manifests/);
  });
});
