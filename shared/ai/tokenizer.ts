// What the runners need from a tokenizer, and batch encoding into the padded id / mask / type-id arrays
// that transformer ONNX exports take as inputs.
import { readFile } from 'node:fs/promises';
import { ClipBpeTokenizer } from './bpe-tokenizer.ts';
import { WordPieceTokenizer } from './wordpiece-tokenizer.ts';

export interface Tokenizer {
  /** Token ids of one text, special tokens included, at most maxTokens long. */
  encode(text: string, maxTokens: number): number[];
  /** Id written into padding positions (their attention mask is 0). */
  readonly padId: number;
}

/** How model.json names a tokenizer; file paths are absolute once the registry has resolved them. */
export type TokenizerConfig =
  | { type: 'clip-bpe'; vocab: string; merges: string }
  | { type: 'wordpiece'; vocab: string; lowercase: boolean; stripAccents?: boolean }
  | { type: 'tokenizer.json'; file: string };

export async function loadTokenizer(config: TokenizerConfig): Promise<Tokenizer> {
  switch (config.type) {
    case 'clip-bpe':
      return ClipBpeTokenizer.fromFiles(config.vocab, config.merges);
    case 'wordpiece':
      return WordPieceTokenizer.fromVocabFile(config.vocab, { lowercase: config.lowercase, stripAccents: config.stripAccents });
    case 'tokenizer.json':
      return fromTokenizerJson(config.file);
  }
}

/** A Hugging Face tokenizer.json: CLIP's byte-level BPE or a BERT-style WordPiece. */
async function fromTokenizerJson(file: string): Promise<Tokenizer> {
  const json = JSON.parse(await readFile(file, 'utf8'));
  const type = json?.model?.type;
  if (type === 'BPE') return ClipBpeTokenizer.fromTokenizerJson(json, file);
  if (type === 'WordPiece') return WordPieceTokenizer.fromTokenizerJson(json, file);
  throw new Error(`${file}: tokenizer model type ${JSON.stringify(type)} is not supported (supported: CLIP byte-level BPE, WordPiece)`);
}

/** Row-major [batch, length] arrays, ready to become int64 or int32 tensors. */
export interface PaddedBatch {
  batch: number;
  length: number;
  ids: Int32Array;
  attentionMask: Int32Array;
  /** all 0: one sentence per row */
  tokenTypeIds: Int32Array;
}

/**
 * Pads encoded texts into one batch. `padTo` is a fixed length (models exported with a static sequence
 * axis, such as OpenAI CLIP's 77) or 'longest' (only as long as the longest text in this batch).
 */
export function padBatch(sequences: ReadonlyArray<readonly number[]>, padId: number, padTo: number | 'longest'): PaddedBatch {
  const length = padTo === 'longest' ? Math.max(1, ...sequences.map((ids) => ids.length)) : padTo;
  const ids = new Int32Array(sequences.length * length).fill(padId);
  const attentionMask = new Int32Array(sequences.length * length);
  sequences.forEach((tokens, row) => {
    if (tokens.length > length) throw new Error(`sequence ${row} has ${tokens.length} tokens, more than the ${length} the batch holds`);
    ids.set(tokens, row * length);
    attentionMask.fill(1, row * length, row * length + tokens.length);
  });
  return { batch: sequences.length, length, ids, attentionMask, tokenTypeIds: new Int32Array(sequences.length * length) };
}
