// Tiny but real ONNX models, written by the tests themselves (no CLIP weights can be downloaded here), with
// tokenizer files and model.json manifests, in a temporary models directory.
// Weights are deterministic formulas, so tests can compute the expected embeddings by hand:
//   vision encoder: mean of each channel of the [B,3,N,N] input, times VISION_WEIGHTS (3×CLIP_DIMENSION)
//   CLIP text encoder: mean over all 77 positions of clipTokenRow(id)
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto, { type onnx } from 'onnx-proto';

export const CLIP_DIMENSION = 4;
export const CLIP_IMAGE_SIZE = 32;
export const CLIP_CONTEXT = 77;

/** Each colour channel drives its own axis, plus one shared axis: red and blue images differ along axes 0 and 2. */
export const VISION_WEIGHTS = [
  [1, 0, 0, 0.5],
  [0, 1, 0, 0.5],
  [0, 0, 1, 0.5],
];

export function clipTokenRow(id: number): number[] {
  return Array.from({ length: CLIP_DIMENSION }, (_, k) => Math.fround(Math.sin(id * 0.37 + k * 1.3)));
}

// --- tokenizer files -------------------------------------------------------------------------------------

/** GPT-2/CLIP byte order: printable Latin-1 first, then the rest (written out here independently of the tokenizer). */
function clipByteSymbols(): string[] {
  const bytes: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const symbols = bytes.map((b) => String.fromCodePoint(b));
  let extra = 0;
  for (let b = 0; b < 256; b++) if (!bytes.includes(b)) symbols.push(String.fromCodePoint(256 + extra++));
  return symbols;
}

/** A few merges covering the words the tests use; ids: 512 + index. */
export const CLIP_MERGES: Array<[string, string]> = [
  ['o', 'f</w>'], //   512 of</w>
  ['c', 'a'], //       513 ca
  ['ca', 't</w>'], //  514 cat</w>
  ['p', 'h'], //       515 ph
  ['o', 't'], //       516 ot
  ['ot', 'o</w>'], //  517 oto</w>
  ['ph', 'oto</w>'], // 518 photo</w>
  ['r', 'e'], //       519 re
  ['re', 'd</w>'], //  520 red</w>
  ['b', 'l'], //       521 bl
  ['u', 'e</w>'], //   522 ue</w>
  ['bl', 'ue</w>'], // 523 blue</w>
  ['d', 'o'], //       524 do
  ['do', 'g</w>'], //  525 dog</w>
  ['Ã', '©</w>'], //   526 Ã©</w>  ("é" at the end of a word: UTF-8 C3 A9)
];

/**
 * A vocabulary built the way CLIP's is: the 256 byte symbols, the same with "</w>", one entry per merge, then
 * <|startoftext|> and <|endoftext|>. Ids of single characters therefore match real CLIP's ('a</w>' = 320).
 */
export function clipVocab(merges = CLIP_MERGES): Record<string, number> {
  const symbols = clipByteSymbols();
  const tokens = [...symbols, ...symbols.map((s) => `${s}</w>`), ...merges.map(([a, b]) => a + b), '<|startoftext|>', '<|endoftext|>'];
  return Object.fromEntries(tokens.map((token, id) => [token, id]));
}

export function clipMergesTxt(merges = CLIP_MERGES): string {
  return `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`;
}

export const WORDPIECE_VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', 'the', 'cat', 'sat', 'on', 'mat', '##s', 'un', '##believ', '##able', '.', ',', '!',
  'cafe', 'nino', 'rojo', 'azul', 'perro', 'gato', '中', 'café', 'Café', 'a', 'photo', 'of', 'red', 'blue', 'car',
];

// --- ONNX graph writing ----------------------------------------------------------------------------------

// onnx-proto is CommonJS that assigns its namespace at run time: Node sees no named export, only the default.
const proto = onnxProto.onnx;

const FLOAT = proto.TensorProto.DataType.FLOAT;
const INT64 = proto.TensorProto.DataType.INT64;

function floatTensor(name: string, rows: number[][]): onnx.ITensorProto {
  return { name, dataType: FLOAT, dims: [rows.length, rows[0]!.length], floatData: rows.flat() };
}

function input(name: string, elemType: number, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function node(opType: string, inputs: string[], outputs: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input: inputs, output: outputs, attribute };
}

const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: proto.AttributeProto.AttributeType.INTS, ints: values });
const int = (name: string, value: number): onnx.IAttributeProto => ({ name, type: proto.AttributeProto.AttributeType.INT, i: value });

function model(graph: onnx.IGraphProto): Uint8Array {
  // opset 13: ReduceMean still takes `axes` as an attribute
  return proto.ModelProto.encode({ irVersion: 7, producerName: 'mediateca-tests', opsetImport: [{ domain: '', version: 13 }], graph }).finish();
}

/** [batch,3,N,N] float → ReduceMean over H,W → [batch,3] → MatMul → [batch,CLIP_DIMENSION] */
export function visionEncoderOnnx(size = CLIP_IMAGE_SIZE): Uint8Array {
  return model({
    name: 'tiny-vision',
    node: [
      node('ReduceMean', ['pixel_values'], ['channel_means'], [ints('axes', [2, 3]), int('keepdims', 0)]),
      node('MatMul', ['channel_means', 'projection'], ['image_embeds']),
    ],
    initializer: [floatTensor('projection', VISION_WEIGHTS)],
    input: [input('pixel_values', FLOAT, ['batch', 3, size, size])],
    output: [input('image_embeds', FLOAT, ['batch', CLIP_DIMENSION])],
  });
}

/** [batch,77] int64 ids → Gather rows → mean over the sequence → [batch,CLIP_DIMENSION] */
export function clipTextEncoderOnnx(vocabSize: number): Uint8Array {
  const table = Array.from({ length: vocabSize }, (_, id) => clipTokenRow(id));
  return model({
    name: 'tiny-clip-text',
    node: [
      node('Gather', ['token_embedding', 'input_ids'], ['token_vectors'], [int('axis', 0)]),
      node('ReduceMean', ['token_vectors'], ['text_embeds'], [ints('axes', [1]), int('keepdims', 0)]),
    ],
    initializer: [floatTensor('token_embedding', table)],
    input: [input('input_ids', INT64, ['batch', CLIP_CONTEXT])],
    output: [input('text_embeds', FLOAT, ['batch', CLIP_DIMENSION])],
  });
}

// --- models directory ------------------------------------------------------------------------------------

export interface TinyModels {
  /** the MODELS_DIR to use */
  dir: string;
  clipVocab: Record<string, number>;
  remove(): Promise<void>;
}

/** A models directory with `tiny-clip` (CLIP: vision.onnx, text.onnx, vocab.json, merges.txt). */
export async function createTinyModels(): Promise<TinyModels> {
  const dir = await mkdtemp(join(tmpdir(), 'mediateca-models-'));
  const vocab = clipVocab();
  await writeModel(dir, 'tiny-clip', {
    'vision.onnx': visionEncoderOnnx(),
    'text.onnx': clipTextEncoderOnnx(Object.keys(vocab).length),
    'vocab.json': JSON.stringify(vocab),
    'merges.txt': clipMergesTxt(),
    'model.json': JSON.stringify({
      name: 'tiny-clip',
      kind: 'clip',
      dimension: CLIP_DIMENSION,
      vision: { file: 'vision.onnx', imageSize: CLIP_IMAGE_SIZE },
      text: { file: 'text.onnx', tokenizer: { type: 'clip-bpe', vocab: 'vocab.json', merges: 'merges.txt' } },
      batchSize: 3,
    }),
  });
  return { dir, clipVocab: vocab, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeModel(dir: string, folder: string, files: Record<string, string | Uint8Array>): Promise<string> {
  const path = join(dir, folder);
  await mkdir(path, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(path, name), content);
  return path;
}
