import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WORDPIECE_VOCAB } from '../../test/support/onnx-models.ts';
import { WordPieceTokenizer } from './wordpiece-tokenizer.ts';

const vocab = new Map(WORDPIECE_VOCAB.map((token, id) => [token, id]));
const id = (token: string) => WORDPIECE_VOCAB.indexOf(token);
const ids = (...tokens: string[]) => tokens.map(id);
const uncased = new WordPieceTokenizer(vocab, { lowercase: true });
const cased = new WordPieceTokenizer(vocab, { lowercase: false });

describe('WordPiece tokenizer', () => {
  it('wraps in [CLS] … [SEP] and splits words into ## pieces and punctuation', () => {
    assert.deepEqual(uncased.encode('The cats sat on the mat.', 512), ids('[CLS]', 'the', 'cat', '##s', 'sat', 'on', 'the', 'mat', '.', '[SEP]'));
    assert.deepEqual(uncased.tokenize('Unbelievable!'), ids('un', '##believ', '##able', '!'));
    assert.deepEqual(uncased.tokenize('cats,cat'), ids('cat', '##s', ',', 'cat'));
  });

  it('marks a whole word unknown when any part is missing, or when it is too long', () => {
    assert.deepEqual(uncased.tokenize('xyz cat'), ids('[UNK]', 'cat'));
    assert.deepEqual(uncased.tokenize('carcat'), ids('[UNK]'), '"car" matches but "##cat" does not');
    const short = new WordPieceTokenizer(vocab, { lowercase: true, maxCharsPerWord: 3 });
    assert.deepEqual(short.tokenize('cat cats'), ids('cat', '[UNK]'));
  });

  it('lowercases and strips accents when uncased, keeps both when cased', () => {
    assert.deepEqual(uncased.tokenize('Café NIÑO'), ids('cafe', 'nino'));
    assert.deepEqual(cased.tokenize('Café café Niño'), ids('Café', 'café', '[UNK]'));
    const keepAccents = new WordPieceTokenizer(vocab, { lowercase: true, stripAccents: false });
    assert.deepEqual(keepAccents.tokenize('CAFÉ'), ids('café'));
  });

  it('drops control characters and splits CJK ideographs one by one', () => {
    assert.deepEqual(uncased.tokenize('the\u0000 cat\u200b\tsat'), ids('the', 'cat', 'sat'));
    assert.deepEqual(uncased.tokenize('中文'), ids('中', '[UNK]'));
  });

  it('truncates so that [CLS] and [SEP] still fit', () => {
    assert.deepEqual(uncased.encode('the cat sat on the mat', 5), ids('[CLS]', 'the', 'cat', 'sat', '[SEP]'));
  });

  it('reads a Hugging Face tokenizer.json (BertNormalizer + TemplateProcessing)', () => {
    const fromJson = WordPieceTokenizer.fromTokenizerJson(
      {
        normalizer: { type: 'BertNormalizer', lowercase: true, strip_accents: null, clean_text: true, handle_chinese_chars: true },
        post_processor: { type: 'TemplateProcessing', special_tokens: { '[CLS]': { id: '[CLS]' }, '[SEP]': { id: '[SEP]' } } },
        model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab) },
      },
      'tokenizer.json',
    );
    assert.deepEqual(fromJson.encode('Café cats', 512), ids('[CLS]', 'cafe', 'cat', '##s', '[SEP]'));
    assert.throws(() => WordPieceTokenizer.fromTokenizerJson({ normalizer: { type: 'Precompiled' }, model: { vocab: {} } }, 'x.json'), /Precompiled normalizer/);
  });

  it('requires the special tokens in the vocabulary', () => {
    assert.throws(() => new WordPieceTokenizer(new Map([['[UNK]', 0]]), { lowercase: true }), /no \[CLS\] token/);
  });
});
