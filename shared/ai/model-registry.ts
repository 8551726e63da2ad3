// The models an operator has supplied: one folder per model in the models directory (MODELS_DIR), each with a model.json manifest
// naming its ONNX files, tokenizer files and settings (docs/models.md). Nothing ships with the platform, so
// "no model" is a normal answer (undefined), while a model that is configured but broken is an error that
// names the missing file or field.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import * as v from 'valibot';
import type { ModelsConfig } from '../config.ts';
import type { TokenizerConfig } from './tokenizer.ts';

export class ModelError extends Error {}

export type ModelKind = 'clip';

const MANIFEST = 'model.json';
// OpenAI CLIP's normalisation, also used by the Hugging Face CLIP processors.
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const rgb = v.tuple([v.number(), v.number(), v.number()]);
const fileName = v.pipe(v.string(), v.minLength(1));
const tensorName = v.pipe(v.string(), v.minLength(1));

const TokenizerSchema = v.variant('type', [
  v.object({ type: v.literal('clip-bpe'), vocab: fileName, merges: fileName }),
  v.object({ type: v.literal('wordpiece'), vocab: fileName, lowercase: v.optional(v.boolean(), true), stripAccents: v.optional(v.boolean()) }),
  v.object({ type: v.literal('tokenizer.json'), file: fileName }),
]);

const shared = {
  name: v.pipe(v.string(), v.regex(/^[\w.-]+$/, 'letters, digits, ".", "_" or "-"')),
  description: v.optional(v.string()),
  dimension: positiveInt,
  /** images or texts per inference call */
  batchSize: v.optional(positiveInt),
  /** inferences at once per ONNX session; more queue */
  concurrency: v.optional(positiveInt, 1),
};

const ClipManifest = v.object({
  ...shared,
  kind: v.literal('clip'),
  vision: v.object({
    file: fileName,
    input: v.optional(tensorName, 'pixel_values'),
    output: v.optional(tensorName, 'image_embeds'),
    imageSize: v.optional(positiveInt, 224),
    mean: v.optional(rgb, CLIP_MEAN),
    std: v.optional(rgb, CLIP_STD),
  }),
  text: v.object({
    file: fileName,
    tokenizer: TokenizerSchema,
    maxTokens: v.optional(positiveInt, 77),
    inputs: v.optional(
      v.object({ inputIds: v.optional(tensorName, 'input_ids'), attentionMask: v.optional(tensorName, 'attention_mask') }),
      {},
    ),
    output: v.optional(tensorName, 'text_embeds'),
  }),
});

const Manifest = v.variant('kind', [ClipManifest]);

type ClipManifest = v.InferOutput<typeof ClipManifest>;

/** A CLIP model: its manifest with defaults filled in and every file path made absolute and checked to exist. */
export type ClipModel = Omit<ClipManifest, 'text' | 'batchSize'> & {
  folder: string;
  batchSize: number;
  text: Omit<ClipManifest['text'], 'tokenizer'> & { tokenizer: TokenizerConfig };
};

export type Model = ClipModel;

/** One folder found under the models directory; `error` says why it cannot be used. */
export interface ModelEntry {
  folder: string;
  name?: string;
  kind?: ModelKind;
  error?: string;
}

/** Every model folder (one with a model.json), valid or not, sorted by folder name. */
export async function listModels(dir: string): Promise<ModelEntry[]> {
  let folders: string[];
  try {
    folders = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory() || entry.isSymbolicLink()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: ModelEntry[] = [];
  for (const name of folders.sort()) {
    const folder = join(dir, name);
    if (!existsSync(join(folder, MANIFEST))) continue;
    try {
      const model = await readModel(folder);
      entries.push({ folder, name: model.name, kind: model.kind });
    } catch (error) {
      entries.push({ folder, error: (error as Error).message });
    }
  }
  return entries;
}

/** The model whose manifest has this name; throws ModelError when it is absent or broken. */
export async function loadModel(name: string, dir: string): Promise<Model> {
  const entries = await listModels(dir);
  const matches = entries.filter((entry) => entry.name === name);
  if (matches.length > 1) throw new ModelError(`model "${name}" is defined by several folders: ${matches.map((m) => m.folder).join(', ')}`);
  if (matches.length === 1) return readModel(matches[0]!.folder);
  // A broken manifest has no name: its folder name is the operator's likely intent.
  const broken = entries.find((entry) => entry.error && entry.folder === join(dir, name));
  if (broken) throw new ModelError(broken.error!);
  throw new ModelError(`no model named "${name}" in ${dir}${entries.length ? ` (found: ${entries.map((e) => e.name ?? `${e.folder} (broken)`).join(', ')})` : ''}`);
}

/**
 * The CLIP model to use: the one named by CLIP_MODEL, else the only valid one in the models directory.
 * undefined when there is none; ModelError when the named one is missing or broken, or when several qualify
 * and none is named.
 */
export async function findClipModel(models: Pick<ModelsConfig, 'dir' | 'clip'>): Promise<ClipModel | undefined> {
  const { dir, clip: named } = models;
  if (named) return loadModel(named, dir);
  const candidates = (await listModels(dir)).filter((entry) => entry.kind === 'clip');
  if (candidates.length > 1) {
    throw new ModelError(`several clip models in ${dir} (${candidates.map((c) => c.name).join(', ')}): set CLIP_MODEL to choose one`);
  }
  return candidates.length === 1 ? readModel(candidates[0]!.folder) : undefined;
}

/** Reads, validates and resolves one model folder's manifest. */
async function readModel(folder: string): Promise<Model> {
  const manifestFile = join(folder, MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestFile, 'utf8'));
  } catch (error) {
    throw new ModelError(`${manifestFile}: ${(error as Error).message}`);
  }
  const parsed = v.safeParse(Manifest, raw);
  if (!parsed.success) {
    const issues = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '(top level)'}: ${issue.message}`);
    throw new ModelError(`${manifestFile} is invalid: ${issues.join('; ')}`);
  }
  const manifest = parsed.output;
  const file = (relative: string, field: string): string => {
    const path = isAbsolute(relative) ? relative : join(folder, relative);
    if (!existsSync(path)) throw new ModelError(`model "${manifest.name}": ${field} names ${relative}, which does not exist in ${folder}`);
    return path;
  };
  return {
    ...manifest,
    folder,
    batchSize: manifest.batchSize ?? 16,
    vision: { ...manifest.vision, file: file(manifest.vision.file, 'vision.file') },
    text: {
      ...manifest.text,
      file: file(manifest.text.file, 'text.file'),
      tokenizer: resolveTokenizer(manifest.text.tokenizer, 'text.tokenizer', file),
    },
  };
}

function resolveTokenizer(
  tokenizer: v.InferOutput<typeof TokenizerSchema>,
  field: string,
  file: (relative: string, field: string) => string,
): TokenizerConfig {
  switch (tokenizer.type) {
    case 'clip-bpe':
      return { ...tokenizer, vocab: file(tokenizer.vocab, `${field}.vocab`), merges: file(tokenizer.merges, `${field}.merges`) };
    case 'wordpiece':
      return { ...tokenizer, vocab: file(tokenizer.vocab, `${field}.vocab`) };
    case 'tokenizer.json':
      return { ...tokenizer, file: file(tokenizer.file, `${field}.file`) };
  }
}
