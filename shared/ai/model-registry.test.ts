import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTinyModels, writeModel, type TinyModels } from '../../test/support/onnx-models.ts';
import { findClipModel, listModels, loadModel, ModelError } from './model-registry.ts';

describe('model registry', () => {
  let models: TinyModels;
  before(async () => {
    models = await createTinyModels();
  });
  after(() => models.remove());

  it('lists model folders, and none when the directory does not exist', async () => {
    assert.deepEqual(
      (await listModels(models.dir)).map(({ name, kind }) => ({ name, kind })),
      [{ name: 'tiny-clip', kind: 'clip' }],
    );
    assert.deepEqual(await listModels(join(models.dir, 'absent')), []);
  });

  it('loads a model with defaults filled in and absolute file paths', async () => {
    const clip = await loadModel('tiny-clip', models.dir);
    assert.equal(clip.kind, 'clip');
    if (clip.kind !== 'clip') return;
    assert.equal(clip.vision.file, join(models.dir, 'tiny-clip', 'vision.onnx'));
    assert.equal(clip.vision.input, 'pixel_values');
    assert.deepEqual(clip.vision.mean, [0.48145466, 0.4578275, 0.40821073]);
    assert.equal(clip.text.maxTokens, 77);
    assert.deepEqual(clip.text.tokenizer, { type: 'clip-bpe', vocab: join(models.dir, 'tiny-clip', 'vocab.json'), merges: join(models.dir, 'tiny-clip', 'merges.txt') });
    assert.equal(clip.concurrency, 1);
  });

  it('names the missing file of an incomplete model', async () => {
    await writeModel(models.dir, 'no-vision', {
      'model.json': JSON.stringify({
        name: 'no-vision',
        kind: 'clip',
        dimension: 4,
        vision: { file: 'vision.onnx' },
        text: { file: '../tiny-clip/text.onnx', tokenizer: { type: 'clip-bpe', vocab: '../tiny-clip/vocab.json', merges: '../tiny-clip/merges.txt' } },
      }),
    });
    try {
      await assert.rejects(loadModel('no-vision', models.dir), (error: Error) => {
        assert.ok(error instanceof ModelError);
        assert.match(error.message, /model "no-vision": vision\.file names vision\.onnx, which does not exist/);
        return true;
      });
      const listed = (await listModels(models.dir)).find((entry) => entry.folder.endsWith('no-vision'));
      assert.match(listed?.error ?? '', /vision\.onnx/);
    } finally {
      await rm(join(models.dir, 'no-vision'), { recursive: true });
    }
  });

  it('lists every invalid manifest field', async () => {
    await writeModel(models.dir, 'bad', { 'model.json': JSON.stringify({ name: 'bad', kind: 'clip', dimension: -3, vision: {}, text: { tokenizer: { type: 'wordpiece' } } }) });
    try {
      await assert.rejects(loadModel('bad', models.dir), (error: Error) => {
        assert.match(error.message, /bad[/\\]model\.json is invalid/);
        for (const field of ['dimension', 'vision.file', 'text.file', 'text.tokenizer.vocab']) assert.ok(error.message.includes(`${field}:`), `${field} in ${error.message}`);
        return true;
      });
      await writeFile(join(models.dir, 'bad', 'model.json'), '{ not json');
      await assert.rejects(loadModel('bad', models.dir), /model\.json: .*JSON/);
    } finally {
      await rm(join(models.dir, 'bad'), { recursive: true });
    }
  });

  it('says which models exist when the name is unknown', async () => {
    await assert.rejects(loadModel('clip-vit-l14', models.dir), /no model named "clip-vit-l14" in .* \(found: tiny-clip\)/);
  });

  it('finds the configured model of a kind, or undefined when there is none', async () => {
    assert.equal((await findClipModel({ dir: models.dir }))?.name, 'tiny-clip');
    assert.equal(await findClipModel({ dir: join(models.dir, 'absent') }), undefined);
    await assert.rejects(findClipModel({ dir: models.dir, clip: 'gone' }), /no model named "gone"/);
  });

  it('asks the operator to choose when several models of a kind exist', async () => {
    const manifest = JSON.parse(await readFile(join(models.dir, 'tiny-clip', 'model.json'), 'utf8'));
    const sibling = (file: string) => `../tiny-clip/${file}`;
    await writeModel(models.dir, 'tiny-clip-2', {
      'model.json': JSON.stringify({
        ...manifest,
        name: 'tiny-clip-2',
        vision: { ...manifest.vision, file: sibling('vision.onnx') },
        text: { ...manifest.text, file: sibling('text.onnx'), tokenizer: { type: 'clip-bpe', vocab: sibling('vocab.json'), merges: sibling('merges.txt') } },
      }),
    });
    try {
      await assert.rejects(findClipModel({ dir: models.dir }), /several clip models .*\(tiny-clip, tiny-clip-2\): set CLIP_MODEL/);
      assert.equal((await findClipModel({ dir: models.dir, clip: 'tiny-clip-2' }))?.name, 'tiny-clip-2');
    } finally {
      await rm(join(models.dir, 'tiny-clip-2'), { recursive: true });
    }
  });
});
