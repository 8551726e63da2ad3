// BERT's tokenizer (as in Hugging Face's BertTokenizer): basic tokenisation (clean control characters, split
// CJK ideographs, optional lowercasing and accent stripping, split on whitespace and punctuation), then
// WordPiece greedy longest-match with "##" continuation pieces, wrapped in [CLS] … [SEP].
import { readFile } from 'node:fs/promises';
import type { Tokenizer } from './tokenizer.ts';

export interface WordPieceOptions {
  lowercase: boolean;
  /** default: the same as lowercase (BERT's rule) */
  stripAccents?: boolean;
  unknownToken?: string;
  continuingPrefix?: string;
  /** longer words become the unknown token */
  maxCharsPerWord?: number;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
}

export class WordPieceTokenizer implements Tokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unknownId: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly prefix: string;
  private readonly maxCharsPerWord: number;

  constructor(private readonly vocab: Map<string, number>, options: WordPieceOptions) {
    this.lowercase = options.lowercase;
    this.stripAccents = options.stripAccents ?? options.lowercase;
    this.prefix = options.continuingPrefix ?? '##';
    this.maxCharsPerWord = options.maxCharsPerWord ?? 100;
    this.unknownId = this.idOf(options.unknownToken ?? '[UNK]');
    this.clsId = this.idOf(options.clsToken ?? '[CLS]');
    this.sepId = this.idOf(options.sepToken ?? '[SEP]');
    this.padId = this.idOf(options.padToken ?? '[PAD]');
  }

  /** vocab.txt: one token per line, the id is the line number. */
  static async fromVocabFile(file: string, options: WordPieceOptions): Promise<WordPieceTokenizer> {
    const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    return new WordPieceTokenizer(new Map(lines.map((token, id) => [token, id])), options);
  }

  static fromTokenizerJson(json: any, file: string): WordPieceTokenizer {
    const normalizer = json.normalizer;
    if (normalizer && normalizer.type !== 'BertNormalizer') {
      throw new Error(`${file}: WordPiece with a ${normalizer.type} normalizer is not supported (BertNormalizer only)`);
    }
    const lowercase = normalizer?.lowercase ?? false;
    // The post-processor names the special tokens: BertProcessing has cls/sep pairs, TemplateProcessing lists them.
    const post = json.post_processor ?? {};
    const special = (post.special_tokens ?? {}) as Record<string, { id: string }>;
    const cls = post.cls?.[0] ?? special['[CLS]']?.id ?? '[CLS]';
    const sep = post.sep?.[0] ?? special['[SEP]']?.id ?? '[SEP]';
    return new WordPieceTokenizer(new Map(Object.entries(json.model.vocab as Record<string, number>)), {
      lowercase,
      stripAccents: normalizer?.strip_accents ?? undefined,
      unknownToken: json.model.unk_token,
      continuingPrefix: json.model.continuing_subword_prefix,
      maxCharsPerWord: json.model.max_input_chars_per_word,
      clsToken: cls,
      sepToken: sep,
      padToken: json.padding?.pad_token ?? '[PAD]',
    });
  }

  /** Ids of the text's tokens, without [CLS] / [SEP]. */
  tokenize(text: string): number[] {
    const ids: number[] = [];
    for (const word of this.basicTokens(text)) ids.push(...this.wordPieces(word));
    return ids;
  }

  /** [CLS] …tokens [SEP], the tokens cut so that the whole fits in maxTokens. */
  encode(text: string, maxTokens: number): number[] {
    return [this.clsId, ...this.tokenize(text).slice(0, Math.max(0, maxTokens - 2)), this.sepId];
  }

  private basicTokens(text: string): string[] {
    let cleaned = '';
    for (const char of text) {
      const code = char.codePointAt(0)!;
      if (code === 0 || code === 0xfffd || (isControl(char) && !isWhitespace(char))) continue;
      cleaned += isWhitespace(char) ? ' ' : isCjk(code) ? ` ${char} ` : char;
    }
    const tokens: string[] = [];
    for (let word of cleaned.split(' ')) {
      if (!word) continue;
      if (this.lowercase) word = word.toLowerCase();
      if (this.stripAccents) word = word.normalize('NFD').replace(/\p{Mn}/gu, '');
      tokens.push(...splitOnPunctuation(word));
    }
    return tokens;
  }

  /** Greedy longest-match-first; a word with any part missing from the vocabulary is one unknown token. */
  private wordPieces(word: string): number[] {
    const chars = [...word];
    if (chars.length > this.maxCharsPerWord) return [this.unknownId];
    const pieces: number[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let id: number | undefined;
      for (; end > start; end--) {
        const piece = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        id = this.vocab.get(piece);
        if (id !== undefined) break;
      }
      if (id === undefined) return [this.unknownId];
      pieces.push(id);
      start = end;
    }
    return pieces;
  }

  private idOf(token: string): number {
    const id = this.vocab.get(token);
    if (id === undefined) throw new Error(`WordPiece vocabulary has no ${token} token`);
    return id;
  }
}

function splitOnPunctuation(word: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (const char of word) {
    if (isPunctuation(char)) {
      if (current) parts.push(current);
      parts.push(char);
      current = '';
    } else {
      current += char;
    }
  }
  if (current) parts.push(current);
  return parts;
}

function isWhitespace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r' || /\p{Zs}/u.test(char);
}

function isControl(char: string): boolean {
  return /\p{C}/u.test(char);
}

/** BERT counts every non-alphanumeric ASCII character as punctuation ("$", "^", "`"), plus Unicode P*. */
function isPunctuation(char: string): boolean {
  const code = char.codePointAt(0)!;
  return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126) || /\p{P}/u.test(char);
}

/** CJK Unified Ideographs blocks (not Hangul or kana, which are written with spaces). */
function isCjk(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x20000 && code <= 0x2a6df) ||
    (code >= 0x2a700 && code <= 0x2b73f) ||
    (code >= 0x2b740 && code <= 0x2b81f) ||
    (code >= 0x2b820 && code <= 0x2ceaf) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x2f800 && code <= 0x2fa1f)
  );
}
