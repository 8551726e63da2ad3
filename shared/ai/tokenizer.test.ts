import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clipVocab, CLIP_MERGES, WORDPIECE_VOCAB } from '../../test/support/onnx-models.ts';
import { loadTokenizer, padBatch } from './tokenizer.ts';

describe('padBatch', () => {
  it('pads to a fixed length with the pad id and masks the padding', () => {
    const batch = padBatch([[5, 6, 7], [8]], 0, 4);
    assert.equal(batch.length, 4);
    assert.deepEqual([...batch.ids], [5, 6, 7, 0, 8, 0, 0, 0]);
    assert.deepEqual([...batch.attentionMask], [1, 1, 1, 0, 1, 0, 0, 0]);
    assert.deepEqual([...batch.tokenTypeIds], [0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('pads to the longest sequence, and refuses one longer than a fixed length', () => {
    const batch = padBatch([[1], [2, 3]], 9, 'longest');
    assert.equal(batch.length, 2);
    assert.deepEqual([...batch.ids], [1, 9, 2, 3]);
    assert.throws(() => padBatch([[1, 2, 3]], 0, 2), /3 tokens, more than the 2/);
  });
});

describe('loadTokenizer', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tokenizers-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('picks the implementation from a tokenizer.json model type', async () => {
    const clipFile = join(dir, 'clip.json');
    await writeFile(clipFile, JSON.stringify({ model: { type: 'BPE', vocab: clipVocab(), merges: CLIP_MERGES, end_of_word_suffix: '</w>' } }));
    assert.deepEqual((await loadTokenizer({ type: 'tokenizer.json', file: clipFile })).encode('red', 77), [527, 520, 528]);

    const bertFile = join(dir, 'bert.json');
    const vocab = Object.fromEntries(WORDPIECE_VOCAB.map((token, id) => [token, id]));
    await writeFile(bertFile, JSON.stringify({ normalizer: { type: 'BertNormalizer', lowercase: true }, model: { type: 'WordPiece', unk_token: '[UNK]', vocab } }));
    assert.deepEqual((await loadTokenizer({ type: 'tokenizer.json', file: bertFile })).encode('Red', 8), [2, vocab.red, 3]);
  });

  it('names an unsupported tokenizer.json model type', async () => {
    const file = join(dir, 'unigram.json');
    await writeFile(file, JSON.stringify({ model: { type: 'Unigram', vocab: [] } }));
    await assert.rejects(loadTokenizer({ type: 'tokenizer.json', file }), /"Unigram" is not supported/);
  });

  it('reads a WordPiece vocab.txt', async () => {
    const file = join(dir, 'vocab.txt');
    await writeFile(file, `${WORDPIECE_VOCAB.join('\n')}\n`);
    const tokenizer = await loadTokenizer({ type: 'wordpiece', vocab: file, lowercase: true });
    assert.equal(tokenizer.padId, 0);
    assert.deepEqual(tokenizer.encode('the cats', 16), [2, 4, 5, 9, 3]);
  });
});
