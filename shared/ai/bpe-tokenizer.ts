// CLIP's tokenizer, implemented from OpenAI's simple_tokenizer.py: byte-level BPE with GPT-2's byte→unicode
// table and an end-of-word marker "</w>", text cleaned (NFC, HTML entities, whitespace) and lowercased,
// wrapped in <|startoftext|> … <|endoftext|>. Reads the Hugging Face files (vocab.json + merges.txt, or a
// tokenizer.json whose model is BPE), which hold the same vocabulary as OpenAI's merges file.
import { readFile } from 'node:fs/promises';
import type { Tokenizer } from './tokenizer.ts';

const START = '<|startoftext|>';
const END = '<|endoftext|>';
const END_OF_WORD = '</w>';

// OpenAI's pre-tokenisation pattern: special tokens, English contractions, runs of letters, single digits,
// runs of other non-space characters.
const WORDS = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

/**
 * GPT-2's reversible map from the 256 byte values to printable unicode characters, so that BPE works on
 * strings without whitespace or control characters. Printable Latin-1 bytes map to themselves, the others
 * to U+0100 onwards (space → 'Ġ', newline → 'Ċ').
 */
export function bytesToUnicode(): string[] {
  const table = new Array<string>(256);
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = String.fromCodePoint(printable ? byte : 256 + shifted++);
  }
  return table;
}

export class ClipBpeTokenizer implements Tokenizer {
  readonly startId: number;
  readonly endId: number;
  /** OpenAI's clip.tokenize pads with 0; the attention mask marks padding anyway. */
  readonly padId = 0;
  private readonly ranks: Map<string, number>;
  private readonly byteSymbols = bytesToUnicode();
  private readonly cache = new Map<string, string[]>();

  /** @param merges pairs in priority order, as in merges.txt (without its "#version" header line) */
  constructor(private readonly vocab: Map<string, number>, merges: ReadonlyArray<readonly [string, string]>) {
    this.ranks = new Map(merges.map(([a, b], rank) => [`${a} ${b}`, rank]));
    this.startId = this.idOf(START);
    this.endId = this.idOf(END);
  }

  static async fromFiles(vocabFile: string, mergesFile: string): Promise<ClipBpeTokenizer> {
    const vocab = JSON.parse(await readFile(vocabFile, 'utf8')) as Record<string, number>;
    const merges = (await readFile(mergesFile, 'utf8'))
      .split('\n')
      .filter((line, index) => line.trim() && !(index === 0 && line.startsWith('#version')))
      .map((line) => splitMerge(line, mergesFile));
    return new ClipBpeTokenizer(new Map(Object.entries(vocab)), merges);
  }

  static fromTokenizerJson(json: any, file: string): ClipBpeTokenizer {
    const model = json.model;
    if (model.end_of_word_suffix !== END_OF_WORD) {
      throw new Error(`${file}: BPE without the "${END_OF_WORD}" end-of-word suffix is not CLIP's tokenizer`);
    }
    // Older files write merges as "a b" strings, newer ones as [a, b] pairs.
    const merges = (model.merges as Array<string | [string, string]>).map((merge) => (typeof merge === 'string' ? splitMerge(merge, file) : merge));
    return new ClipBpeTokenizer(new Map(Object.entries(model.vocab as Record<string, number>)), merges);
  }

  /** Ids of the text's tokens, without start/end tokens. */
  tokenize(text: string): number[] {
    const ids: number[] = [];
    for (const word of clean(text).toLowerCase().match(WORDS) ?? []) {
      const symbols = word === START || word === END ? [word] : this.bpe(this.toByteSymbols(word));
      for (const symbol of symbols) ids.push(this.idOf(symbol));
    }
    return ids;
  }

  /** [start, …tokens, end]; a text too long is cut and still ends with the end token, as clip.tokenize(truncate=True). */
  encode(text: string, maxTokens: number): number[] {
    const tokens = [this.startId, ...this.tokenize(text), this.endId];
    if (tokens.length <= maxTokens) return tokens;
    const cut = tokens.slice(0, maxTokens);
    cut[maxTokens - 1] = this.endId;
    return cut;
  }

  private toByteSymbols(word: string): string {
    let symbols = '';
    for (const byte of Buffer.from(word, 'utf8')) symbols += this.byteSymbols[byte];
    return symbols;
  }

  /** Merges the word's adjacent pair of lowest rank, again and again, until no pair has a rank. */
  private bpe(token: string): string[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = [...token];
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + END_OF_WORD];
    while (word.length > 1) {
      let best: number | undefined;
      let bestAt = -1;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && (best === undefined || rank < best)) [best, bestAt] = [rank, i];
      }
      if (best === undefined) break;
      const [first, second] = [word[bestAt]!, word[bestAt + 1]!];
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === first && word[i + 1] === second && i < word.length - 1) {
          merged.push(first + second);
          i++;
        } else {
          merged.push(word[i]!);
        }
      }
      word = merged;
    }
    if (this.cache.size < 50_000) this.cache.set(token, word);
    return word;
  }

  private idOf(symbol: string): number {
    const id = this.vocab.get(symbol);
    if (id === undefined) throw new Error(`CLIP vocabulary has no entry for ${JSON.stringify(symbol)}: vocab and merges files do not belong together`);
    return id;
  }
}

function splitMerge(line: string, file: string): [string, string] {
  const parts = line.trim().split(' ');
  if (parts.length !== 2) throw new Error(`${file}: bad merge line ${JSON.stringify(line)}`);
  return [parts[0]!, parts[1]!];
}

/** OpenAI's basic_clean + whitespace_clean, without ftfy's mojibake repair (not available in JS): NFC, HTML unescape, one space. */
function clean(text: string): string {
  return unescapeHtml(unescapeHtml(text.normalize('NFC'))).replace(/\s+/g, ' ').trim();
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES[body.toLowerCase()] ?? entity;
    const codePoint = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : entity;
  });
}
