// The renderer: a typed environment file in, filled manifests out, for each platform.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { ROOT, type RenderedFile, loadEnvironment, renderManifests } from '../render-manifests.ts';

const production = () => loadEnvironment(join(ROOT, 'k8s/environments/production.json'));
const file = (files: RenderedFile[], path: string) => {
  const found = files.find((f) => f.path === path);
  assert.ok(found, `${path} not rendered; got ${files.map((f) => f.path).join(', ')}`);
  return found;
};
const docs = (files: RenderedFile[], path: string) => YAML.parseAllDocuments(file(files, path).text).map((d) => d.toJS());

function writeEnv(change: (env: any) => void): string {
  const env = JSON.parse(readFileSync(join(ROOT, 'k8s/environments/production.json'), 'utf8'));
  change(env);
  const path = join(mkdtempSync(join(tmpdir(), 'mt-env-')), 'env.json');
  writeFileSync(path, JSON.stringify(env));
  return path;
}

describe('render-manifests', () => {
  test('fills placeholders in values and keys, keeping numbers numbers', () => {
    const files = renderManifests(production());
    const [enrich] = docs(files, 'knative/functions/enrich.yaml');
    assert.equal(enrich.metadata.namespace, 'mediateca');
    assert.equal(enrich.spec.template.spec.containers[0].image, 'registry.example.com/mediateca/mediateca-gpu:0.1.0');
    assert.deepEqual(enrich.spec.template.spec.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
    assert.equal(enrich.spec.template.metadata.annotations['autoscaling.knative.dev/min-scale'], '1');
    const channel = docs(files, 'knative/eventing/broker.yaml').find((d) => d.kind === 'NatsJetStreamChannel');
    assert.equal(channel.spec.stream.config.replicas, 3);
    assert.ok(!files.some((f) => /\$\{[A-Z0-9_]+\}/.test(f.text.replace(/^\s*#.*$/gm, ''))), 'a placeholder was left');
  });

  test('the object store reaches upload-complete through Knative or the OpenFaaS gateway', () => {
    const files = renderManifests(production());
    const pushEndpoint = (path: string) => docs(files, path)[0].spec.template.spec.containers[0].env.find((e: any) => e.name === 'NOTIFY_ENDPOINT').value;
    assert.equal(pushEndpoint('knative/object-store/ceph/notifications.yaml'), 'http://upload-complete.mediateca.svc.cluster.local/');
    assert.equal(pushEndpoint('openfaas/object-store/ceph/notifications.yaml'), 'http://gateway.openfaas:8080/function/upload-complete');
    assert.equal(docs(files, 'openfaas/object-store/ceph/notifications.yaml')[0].metadata.namespace, 'openfaas-fn');
  });

  test('only the chosen object store is rendered', () => {
    const files = renderManifests(loadEnvironment(writeEnv((env) => { env.objectStore.kind = 'minio'; })));
    assert.ok(files.some((f) => f.path === 'knative/object-store/minio/notifications.yaml'));
    assert.ok(files.some((f) => f.path === 'infra/minio.values.yaml'));
    assert.ok(!files.some((f) => f.path.includes('ceph')));
  });

  test('an optional setting left out removes its line', () => {
    const files = renderManifests(loadEnvironment(writeEnv((env) => { delete env.opensearch; delete env.objectStore.publicEndpoint; })));
    const [config] = docs(files, 'knative/app/config.yaml');
    assert.equal('OPENSEARCH_URL' in config.data, false);
    assert.equal('S3_PUBLIC_ENDPOINT' in config.data, false);
    assert.equal(config.data.NATS_URL, 'nats://nats.nats.svc.cluster.local:4222');
    assert.deepEqual(docs(files, 'openfaas/config.yml')[0].environment, config.data);
  });

  test('the environment file is strict', () => {
    assert.throws(() => loadEnvironment(writeEnv((env) => { env.namspace = 'x'; })), /namspace/);
    assert.throws(() => loadEnvironment(writeEnv((env) => { env.gpu.minScale = 0; })), /never scales to zero/);
    assert.throws(() => loadEnvironment(writeEnv((env) => { env.objectStore.kind = 's3'; })), /objectStore\.kind/);
  });

  test('a template with an unknown placeholder does not render', () => {
    const base = mkdtempSync(join(tmpdir(), 'mt-base-'));
    writeFileSync(join(base, 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  A: ${NOT_A_PLACEHOLDER}\n');
    assert.throws(() => renderManifests(production(), { baseDir: base }), /\$\{NOT_A_PLACEHOLDER\}/);
  });
});
