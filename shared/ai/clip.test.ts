import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { CLIP_CONTEXT, CLIP_DIMENSION, clipTokenRow, createTinyModels, VISION_WEIGHTS, writeModel, type TinyModels } from '../../test/support/onnx-models.ts';
import { ClipEmbedder, loadClipEmbedder } from './clip.ts';
import { loadConfig } from '../config.ts';
import { ImageInputError } from './image-preprocess.ts';
import { loadModel, type ClipModel } from './model-registry.ts';
import { closeOnnxSessions } from './onnx-session.ts';
import { dot } from './vectors.ts';

const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];

const solid = (r: number, g: number, b: number, width = 48, height = 40) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();

function normalise(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return vector.map((v) => v / norm);
}

/** What the tiny vision encoder must return for a solid colour: normalised channel values × VISION_WEIGHTS. */
function expectedImageEmbedding(rgb: number[]): number[] {
  const channels = rgb.map((value, c) => (value / 255 - MEAN[c]!) / STD[c]!);
  return normalise(Array.from({ length: CLIP_DIMENSION }, (_, k) => channels.reduce((sum, x, c) => sum + x * VISION_WEIGHTS[c]![k]!, 0)));
}

function assertClose(actual: Float32Array, expected: ArrayLike<number>, tolerance = 1e-5) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < tolerance, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

describe('CLIP runner', () => {
  let models: TinyModels;
  let clip: ClipEmbedder;
  before(async () => {
    models = await createTinyModels();
    const found = await loadClipEmbedder(loadConfig({ MODELS_DIR: models.dir }).models);
    assert.ok(found);
    clip = found;
  });
  after(async () => {
    await closeOnnxSessions();
    await models.remove();
  });

  it('is undefined when no CLIP model is configured', async () => {
    assert.equal(await loadClipEmbedder(loadConfig({ MODELS_DIR: join(models.dir, 'absent') }).models), undefined);
  });

  it('embeds a solid colour as the model computes it, as a unit vector', async () => {
    assert.equal(clip.name, 'tiny-clip');
    assert.equal(clip.dimension, CLIP_DIMENSION);
    const [red] = await clip.embedImages([await solid(255, 0, 0)]);
    assertClose(red!, expectedImageEmbedding([255, 0, 0]));
    assert.ok(Math.abs(dot(red!, red!) - 1) < 1e-6);
  });

  it('separates red from blue along the colour axes', async () => {
    const [red, blue] = await clip.embedImages([await solid(255, 0, 0), await solid(0, 0, 255)]);
    const difference = red!.map((v, k) => v - blue![k]!);
    assert.ok(difference[0]! > 0.5, `red axis: ${difference[0]}`);
    assert.ok(difference[2]! < -0.5, `blue axis: ${difference[2]}`);
    assert.ok(dot(red!, blue!) < 0.5);
  });

  it('gives the same vector for the same picture as bytes, as a file or in another format', async () => {
    const png = await solid(30, 160, 90, 64, 48);
    const file = join(models.dir, 'picture.png');
    await writeFile(file, png);
    const webp = await sharp(png).webp({ lossless: true }).toBuffer();
    const [fromBytes, fromFile, fromWebp] = await clip.embedImages([png, file, webp]);
    assert.deepEqual(fromFile, fromBytes);
    assert.deepEqual(fromWebp, fromBytes);
  });

  it('returns the same embeddings in batches as one by one, in input order', async () => {
    const images = await Promise.all([[255, 0, 0], [0, 255, 0], [0, 0, 255], [120, 120, 0], [10, 200, 250]].map(([r, g, b]) => solid(r!, g!, b!)));
    const batched = await clip.embedImages(images, { batchSize: 2 });
    const single: Float32Array[] = [];
    for (const image of images) single.push(...(await clip.embedImages([image])));
    assert.equal(batched.length, 5);
    batched.forEach((vector, i) => assertClose(vector, single[i]!, 1e-6));
    assertClose(batched[2]!, expectedImageEmbedding([0, 0, 255]));
  });

  it('embeds text as the model computes it from CLIP token ids padded to 77', async () => {
    // "a photo of a cat" → <|startoftext|> a</w> photo</w> of</w> a</w> cat</w> <|endoftext|>, then 0s
    const ids = [527, 320, 518, 512, 320, 514, 528, ...new Array(CLIP_CONTEXT - 7).fill(0)];
    const mean = Array.from({ length: CLIP_DIMENSION }, (_, k) => ids.reduce((sum, id) => sum + clipTokenRow(id)[k]!, 0) / CLIP_CONTEXT);
    const [vector] = await clip.embedTexts(['A photo of a cat']);
    assertClose(vector!, normalise(mean));
  });

  it('returns the same text embeddings in batches as one by one', async () => {
    const texts = ['red', 'a blue dog', 'café', 'a photo of a cat', '', 'dog '.repeat(100)];
    const batched = await clip.embedTexts(texts, { batchSize: 4 });
    for (const [i, text] of texts.entries()) assertClose(batched[i]!, (await clip.embedTexts([text]))[0]!, 1e-6);
    assert.notDeepEqual(batched[0], batched[1]);
    assert.deepEqual(await clip.embedTexts([]), []);
  });

  it('handles concurrent calls on one session', async () => {
    const image = await solid(0, 255, 0);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? clip.embedImages([image]) : clip.embedTexts(['red dog']))));
    assert.deepEqual(results[1], results[3]);
    assert.deepEqual(results[0], results[2]);
  });

  it('rejects an image that cannot be decoded', async () => {
    const good = await solid(1, 2, 3);
    await assert.rejects(clip.embedImages([good, good, good, Buffer.from('GIF89a but not really')]), (error: Error) => {
      assert.ok(error instanceof ImageInputError);
      assert.match(error.message, /^image 3: image could not be decoded/);
      return true;
    });
  });

  describe('with a manifest that does not match the model file', () => {
    const variant = async (name: string, change: (manifest: any) => void): Promise<ClipModel> => {
      const manifest = JSON.parse(await readFile(join(models.dir, 'tiny-clip', 'model.json'), 'utf8'));
      manifest.name = name;
      manifest.vision.file = '../tiny-clip/vision.onnx';
      manifest.text.file = '../tiny-clip/text.onnx';
      manifest.text.tokenizer = { type: 'clip-bpe', vocab: '../tiny-clip/vocab.json', merges: '../tiny-clip/merges.txt' };
      change(manifest);
      await writeModel(models.dir, name, { 'model.json': JSON.stringify(manifest) });
      const model = await loadModel(name, models.dir);
      await rm(join(models.dir, name), { recursive: true });
      return model as ClipModel;
    };

    it('names a tensor the model does not have', async () => {
      const model = await variant('wrong-output', (m) => (m.vision.output = 'image_features'));
      await assert.rejects(new ClipEmbedder(model).embedImages([await solid(1, 2, 3)]), /has no output "image_features" \(outputs: image_embeds\)/);
    });

    it('names a wrong image size or dimension', async () => {
      const size = await variant('wrong-size', (m) => (m.vision.imageSize = 224));
      await assert.rejects(new ClipEmbedder(size).embedImages([await solid(1, 2, 3)]), /vision input pixel_values is \[batch, 3, 32, 32\], model\.json says \[batch, 3, 224, 224\]/);
      const dimension = await variant('wrong-dimension', (m) => (m.dimension = 512));
      await assert.rejects(new ClipEmbedder(dimension).embedTexts(['red']), /returned shape \[1, 4\], expected \[batch, 512\]/);
    });
  });
});
