import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTinyModels, TEXT_DIMENSION, textTokenRow, typeRow, WORDPIECE_VOCAB, writeModel, type TinyModels } from '../../test/support/onnx-models.ts';
import { loadModel, type TextEmbeddingModel } from './model-registry.ts';
import { closeOnnxSessions } from './onnx-session.ts';
import { loadTextEmbedder, TextEmbedder } from './text-embedding.ts';
import { dot } from './vectors.ts';

const id = (token: string) => WORDPIECE_VOCAB.indexOf(token);

/** The tiny encoder's hidden state for a token (token type 0). */
const hidden = (token: string) => textTokenRow(id(token)).map((value, k) => value + typeRow(0)[k]!);

function normalisedMean(rows: number[][]): number[] {
  const mean = Array.from({ length: TEXT_DIMENSION }, (_, k) => rows.reduce((sum, row) => sum + row[k]!, 0) / rows.length);
  const norm = Math.hypot(...mean);
  return mean.map((v) => v / norm);
}

function assertClose(actual: Float32Array, expected: ArrayLike<number>, tolerance = 1e-5) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < tolerance, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

describe('text-embedding runner', () => {
  let models: TinyModels;
  let embedder: TextEmbedder;

  /** tiny-text with some manifest fields changed, under another name. */
  async function variant(name: string, change: Record<string, unknown>): Promise<TextEmbeddingModel> {
    const manifest = JSON.parse(await readFile(join(models.dir, 'tiny-text', 'model.json'), 'utf8'));
    const edited = { ...manifest, name, file: '../tiny-text/model.onnx', tokenizer: { ...manifest.tokenizer, vocab: '../tiny-text/vocab.txt' }, ...change };
    await writeModel(models.dir, name, { 'model.json': JSON.stringify(edited) });
    const model = await loadModel(name, models.dir);
    await rm(join(models.dir, name), { recursive: true });
    return model as TextEmbeddingModel;
  }

  before(async () => {
    models = await createTinyModels();
    const found = await loadTextEmbedder({ MODELS_DIR: models.dir });
    assert.ok(found);
    embedder = found;
  });
  after(async () => {
    await closeOnnxSessions();
    await models.remove();
  });

  it('is undefined when no text-embedding model is configured', async () => {
    assert.equal(await loadTextEmbedder({ MODELS_DIR: join(models.dir, 'absent') }), undefined);
  });

  it('mean-pools the token vectors of [CLS] text [SEP] and normalises', async () => {
    assert.equal(embedder.dimension, TEXT_DIMENSION);
    const [vector] = await embedder.embedTexts(['The cat!']);
    assertClose(vector!, normalisedMean(['[CLS]', 'the', 'cat', '!', '[SEP]'].map(hidden)));
    assert.ok(Math.abs(dot(vector!, vector!) - 1) < 1e-6);
  });

  it('ignores padding: a batch of different lengths equals one text at a time, in input order', async () => {
    const texts = ['the cats sat on the mat.', 'rojo', 'Café niño, perro y gato!', 'un', 'azul azul azul'];
    const batched = await embedder.embedTexts(texts, { batchSize: 5 });
    for (const [i, text] of texts.entries()) assertClose(batched[i]!, (await embedder.embedTexts([text]))[0]!, 1e-6);
    assertClose(batched[1]!, normalisedMean(['[CLS]', 'rojo', '[SEP]'].map(hidden)));
  });

  it('puts the query prefix before a query', async () => {
    const [query] = await embedder.embedTexts(['cat'], { role: 'query' });
    const [prefixed] = await embedder.embedTexts(['a cat']);
    assert.deepEqual(query, prefixed);
    assert.notDeepEqual(query, (await embedder.embedTexts(['cat']))[0]);
  });

  it('cuts texts longer than maxTokens', async () => {
    const words = Array.from({ length: 30 }, (_, i) => ['red', 'blue', 'car'][i % 3]);
    const [long] = await embedder.embedTexts([words.join(' ')]);
    const [cut] = await embedder.embedTexts([words.slice(0, 14).join(' ')]); // 16 = [CLS] + 14 + [SEP]
    assertClose(long!, cut!, 1e-6);
  });

  it('pools with the [CLS] vector, or takes an already pooled output', async () => {
    const cls = new TextEmbedder(await variant('tiny-text-cls', { pooling: 'cls' }));
    assertClose((await cls.embedTexts(['the mat']))[0]!, normalisedMean([hidden('[CLS]')]));
    const pooled = new TextEmbedder(await variant('tiny-text-pooled', { pooling: 'none', output: 'sentence_embedding' }));
    assertClose((await pooled.embedTexts(['the mat']))[0]!, normalisedMean(['[CLS]', 'the', 'mat', '[SEP]'].map(hidden)));
  });

  it('names a dimension that does not match the model output', async () => {
    const wrong = new TextEmbedder(await variant('tiny-text-384', { dimension: 384 }));
    await assert.rejects(wrong.embedTexts(['cat']), /returned shape \[1, 3, 6\], expected \[1, 3, 384\] for mean pooling/);
  });
});
