import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InferenceSession } from 'onnxruntime-node';
import { createTinyModels, type TinyModels } from '../../test/support/onnx-models.ts';
import { closeOnnxSessions, loadOnnxRuntime, OnnxSession, openOnnxSession } from './onnx-session.ts';

describe('ONNX sessions', () => {
  let models: TinyModels;
  before(async () => {
    models = await createTinyModels();
  });
  after(async () => {
    await closeOnnxSessions();
    await models.remove();
  });

  it('opens one session per model file and describes its tensors', async () => {
    const file = join(models.dir, 'tiny-clip', 'text.onnx');
    const [first, second] = await Promise.all([openOnnxSession(file), openOnnxSession(file)]);
    assert.equal(first, second);
    assert.deepEqual(first.inputNames, ['input_ids']);
    assert.deepEqual(first.shapeOf('text_embeds'), ['batch', 4]);
    assert.equal(first.typeOf('input_ids'), 'int64');
    const ids = first.intTensor('input_ids', Int32Array.from([2, 5, 3]), [1, 3]);
    assert.equal(ids.type, 'int64');
    assert.deepEqual([...(ids.data as BigInt64Array)], [2n, 5n, 3n]);
  });

  it('explains a file that is not an ONNX model, and does not cache the failure', async () => {
    const file = join(models.dir, 'tiny-clip', 'merges.txt');
    await assert.rejects(openOnnxSession(file), /cannot load ONNX model .*merges\.txt/);
    await assert.rejects(openOnnxSession(file), /cannot load ONNX model/);
  });

  it('says where the CUDA provider comes from when it is missing', async (t) => {
    const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const cudaLibrary = join(ortDir, '..', 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
    if (existsSync(cudaLibrary)) return t.skip('the CUDA provider is installed here');
    await closeOnnxSessions();
    await assert.rejects(
      openOnnxSession(join(models.dir, 'tiny-clip', 'vision.onnx'), { executionProviders: ['cuda', 'cpu'] }),
      /cannot load ONNX model .*vision\.onnx.*execution providers cuda,cpu.*docs\/models\.md/,
    );
  });

  it('runs at most `concurrency` inferences at once and serves the queue in order', async () => {
    const ort = await loadOnnxRuntime();
    const pending: Array<() => void> = [];
    let running = 0;
    let mostAtOnce = 0;
    const finished: number[] = [];
    // The native session is replaced by one whose runs finish when the test says so.
    const inner = {
      inputNames: [],
      outputNames: [],
      inputMetadata: [],
      outputMetadata: [],
      run: () => {
        mostAtOnce = Math.max(mostAtOnce, ++running);
        return new Promise((resolve) => pending.push(() => { running--; resolve({}); }));
      },
    } as unknown as InferenceSession;
    const session = new OnnxSession('fake.onnx', ort, inner, 2);
    const runs = [0, 1, 2, 3, 4].map((n) => session.run({}).then(() => finished.push(n)));
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    assert.equal(pending.length, 2, 'two started, three waiting');
    while (pending.length) {
      pending.shift()!();
      await settle();
    }
    await Promise.all(runs);
    assert.equal(mostAtOnce, 2);
    assert.deepEqual(finished, [0, 1, 2, 3, 4]);
  });
});
