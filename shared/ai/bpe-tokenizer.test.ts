import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clipMergesTxt, clipVocab, CLIP_MERGES } from '../../test/support/onnx-models.ts';
import { bytesToUnicode, ClipBpeTokenizer } from './bpe-tokenizer.ts';

// The tiny vocabulary is built the way CLIP's is (256 byte symbols, the same with "</w>", merges, specials),
// so ids of single characters equal real CLIP's: 'a</w>' = 320 and '.</w>' = 269, as in real CLIP's
// "a photo of a cat." = [49406, 320, 1125, 539, 320, 2368, 269, 49407]. Merges here get ids 512…526.
const SOT = 527;
const EOT = 528;
const tokenizer = new ClipBpeTokenizer(new Map(Object.entries(clipVocab())), CLIP_MERGES);

describe('CLIP byte-level BPE tokenizer', () => {
  it('maps bytes to printable symbols as GPT-2 and CLIP do', () => {
    const table = bytesToUnicode();
    assert.equal(table[0x61], 'a');
    assert.equal(table[0x20], 'Ġ');
    assert.equal(table[0x0a], 'Ċ');
    assert.equal(table[0x00], 'Ā');
    assert.equal(new Set(table).size, 256);
  });

  it('encodes a caption with merges, single characters and start/end tokens', () => {
    assert.equal(tokenizer.startId, SOT);
    assert.equal(tokenizer.endId, EOT);
    // a</w> photo</w> of</w> a</w> cat</w> .</w>
    assert.deepEqual(tokenizer.encode('A photo of a cat.', 77), [SOT, 320, 518, 512, 320, 514, 269, EOT]);
  });

  it('merges the pair of lowest rank first', () => {
    // "xyz": (y, z</w>) outranks (x, y), so the result is x + yz</w>, not xy + z</w>
    const merges: Array<[string, string]> = [['y', 'z</w>'], ['x', 'y']];
    const ranked = new ClipBpeTokenizer(new Map(Object.entries(clipVocab(merges))), merges);
    assert.deepEqual(ranked.tokenize('xyz'), [87, 512]);
    assert.deepEqual(ranked.tokenize('xyy'), [513, 344], 'xy + y</w>');
    assert.deepEqual(ranked.tokenize('xy'), [87, 344], 'x + y</w>: no merge applies');
  });

  it('lowercases, unescapes HTML and collapses whitespace', () => {
    // red</w> &</w> blue</w> then "!!" unmerged: '!' (0) and '!</w>' (256)
    assert.deepEqual(tokenizer.tokenize('  RED &amp;amp; Blue!!\n'), [520, 261, 523, 0, 256]);
    assert.deepEqual(tokenizer.tokenize('dog\n\t dog'), [525, 525]);
  });

  it('splits contractions and single digits like OpenAI’s pattern', () => {
    // "it" → i (72) t</w> (339); "'s" → ' (6) s</w> (338); digits one by one
    assert.deepEqual(tokenizer.tokenize("it's"), [72, 339, 6, 338]);
    assert.deepEqual(tokenizer.tokenize('2024'), [273, 271, 273, 275]);
  });

  it('works on UTF-8 bytes: accents (composed or not) and emoji', () => {
    // café: ca (513) f (69) Ã©</w> (526, the merged bytes C3 A9 of "é")
    assert.deepEqual(tokenizer.tokenize('Café'), [513, 69, 526]);
    assert.deepEqual(tokenizer.tokenize('cafe\u0301'), [513, 69, 526], 'NFC first: e + combining acute = é');
    // 🐱 = F0 9F 90 B1: 'ð' (172), two shifted control bytes (253, 238), '±</w>' (365)
    assert.deepEqual(tokenizer.tokenize('🐱'), [172, 253, 238, 365]);
  });

  it('truncates to the context length and still ends with <|endoftext|>', () => {
    assert.deepEqual(tokenizer.encode('a photo of a cat', 4), [SOT, 320, 518, EOT]);
    const long = tokenizer.encode('dog '.repeat(200), 77);
    assert.equal(long.length, 77);
    assert.equal(long[76], EOT);
  });

  it('reads a Hugging Face tokenizer.json with either merge format', () => {
    const vocab = clipVocab();
    for (const merges of [CLIP_MERGES.map(([a, b]) => `${a} ${b}`), CLIP_MERGES]) {
      const fromJson = ClipBpeTokenizer.fromTokenizerJson({ model: { type: 'BPE', vocab, merges, end_of_word_suffix: '</w>' } }, 'tokenizer.json');
      assert.deepEqual(fromJson.encode('A photo of a cat.', 77), [SOT, 320, 518, 512, 320, 514, 269, EOT]);
    }
    assert.throws(() => ClipBpeTokenizer.fromTokenizerJson({ model: { type: 'BPE', vocab, merges: [] } }, 'gpt2.json'), /end-of-word suffix/);
  });

  it('reads vocab.json + merges.txt and names a mismatch between them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bpe-'));
    try {
      await writeFile(join(dir, 'vocab.json'), JSON.stringify(clipVocab()));
      await writeFile(join(dir, 'merges.txt'), clipMergesTxt());
      const fromFiles = await ClipBpeTokenizer.fromFiles(join(dir, 'vocab.json'), join(dir, 'merges.txt'));
      assert.deepEqual(fromFiles.tokenize('red dog'), [520, 525]);
      // merges that produce a symbol the vocabulary lacks
      await writeFile(join(dir, 'merges.txt'), clipMergesTxt([...CLIP_MERGES, ['z', 'z</w>']]));
      const mismatched = await ClipBpeTokenizer.fromFiles(join(dir, 'vocab.json'), join(dir, 'merges.txt'));
      assert.throws(() => mismatched.tokenize('zz'), /no entry for "zz<\/w>"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
