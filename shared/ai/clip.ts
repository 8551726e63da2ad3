// CLIP runner: images and texts into one shared embedding space, so a text query finds images by what is in
// them. The vision and text encoders are separate ONNX files, each loaded on first use (enrich only needs
// the vision side, search only the text side). Every embedding is L2-normalised: cosine = dot product.
import type { ModelsConfig } from '../config.ts';
import { findClipModel, type ClipModel } from './model-registry.ts';
import { ImageInputError, preprocessImage } from './image-preprocess.ts';
import { openOnnxSession, type OnnxSession, type SessionOptions } from './onnx-session.ts';
import { loadTokenizer, padBatch, type Tokenizer } from './tokenizer.ts';
import { batchLimit, chunks, normalisedRows, requireTensorNames } from './vectors.ts';

export interface EmbedOptions {
  /** items per inference; default: the model's batchSize */
  batchSize?: number;
}

export type ImageInput = Buffer | string;

export class ClipEmbedder {
  private vision?: Promise<OnnxSession>;
  private text?: Promise<{ session: OnnxSession; tokenizer: Tokenizer; padTo: number | 'longest'; maxTokens: number }>;

  constructor(readonly model: ClipModel, private readonly sessionOptions: Omit<SessionOptions, 'concurrency'> = {}) {}

  get name(): string {
    return this.model.name;
  }

  get dimension(): number {
    return this.model.dimension;
  }

  /** One unit vector per image (encoded bytes or a file path), in input order. */
  async embedImages(images: readonly ImageInput[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const session = await this.visionSession();
    const { input, output, imageSize, mean, std } = this.model.vision;
    const size = batchLimit(session, input, options.batchSize ?? this.model.batchSize);
    const embeddings: Float32Array[] = [];
    for (const [n, batch] of chunks(images, size).entries()) {
      const pixels = await Promise.all(
        batch.map((image, i) =>
          preprocessImage(image, { size: imageSize, mean, std }).catch((error: Error) => {
            throw new ImageInputError(`image ${n * size + i}: ${error.message}`);
          }),
        ),
      );
      const data = new Float32Array(pixels.length * pixels[0]!.length);
      pixels.forEach((one, i) => data.set(one, i * one.length));
      const feeds = { [input]: new session.ort.Tensor('float32', data, [batch.length, 3, imageSize, imageSize]) };
      const result = await session.run(feeds, [output]);
      embeddings.push(...normalisedRows(result[output]!, this.model.dimension, this.model.name));
    }
    return embeddings;
  }

  /** One unit vector per text, in input order; texts longer than the model's context are cut. */
  async embedTexts(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { session, tokenizer, padTo, maxTokens } = await this.textEncoder();
    const { inputs, output } = this.model.text;
    const encoded = texts.map((text) => tokenizer.encode(text, maxTokens));
    // similar lengths together pad less when the model takes any length
    const order = encoded.map((_, i) => i);
    if (padTo === 'longest') order.sort((a, b) => encoded[a]!.length - encoded[b]!.length);
    const embeddings = new Array<Float32Array>(texts.length);
    for (const rows of chunks(order, batchLimit(session, inputs.inputIds, options.batchSize ?? this.model.batchSize))) {
      const batch = padBatch(rows.map((i) => encoded[i]!), tokenizer.padId, padTo);
      const dims = [batch.batch, batch.length];
      const feeds = { [inputs.inputIds]: session.intTensor(inputs.inputIds, batch.ids, dims) };
      if (session.inputNames.includes(inputs.attentionMask)) feeds[inputs.attentionMask] = session.intTensor(inputs.attentionMask, batch.attentionMask, dims);
      const result = await session.run(feeds, [output]);
      normalisedRows(result[output]!, this.model.dimension, this.model.name).forEach((vector, j) => (embeddings[rows[j]!] = vector));
    }
    return embeddings;
  }

  private visionSession(): Promise<OnnxSession> {
    this.vision ??= (async () => {
      const { file, input, output, imageSize } = this.model.vision;
      const session = await openOnnxSession(file, { ...this.sessionOptions, concurrency: this.model.concurrency });
      requireTensorNames(session, this.model.name, [input], [output]);
      const shape = session.shapeOf(input);
      const differs = (axis: number | string | undefined, expected: number) => typeof axis === 'number' && axis !== expected;
      if (shape && (shape.length !== 4 || differs(shape[1], 3) || differs(shape[2], imageSize) || differs(shape[3], imageSize))) {
        throw new Error(`model "${this.model.name}": vision input ${input} is [${shape.join(', ')}], model.json says [batch, 3, ${imageSize}, ${imageSize}]`);
      }
      return session;
    })();
    this.vision.catch(() => (this.vision = undefined));
    return this.vision;
  }

  private textEncoder() {
    this.text ??= (async () => {
      const { file, inputs, output, tokenizer: tokenizerConfig } = this.model.text;
      const [session, tokenizer] = await Promise.all([
        openOnnxSession(file, { ...this.sessionOptions, concurrency: this.model.concurrency }),
        loadTokenizer(tokenizerConfig),
      ]);
      requireTensorNames(session, this.model.name, [inputs.inputIds], [output]);
      const unknown = session.inputNames.filter((name) => name !== inputs.inputIds && name !== inputs.attentionMask);
      if (unknown.length) throw new Error(`model "${this.model.name}": text encoder needs inputs this runner does not provide: ${unknown.join(', ')}`);
      // A static sequence axis (OpenAI's exports: 77) must be filled exactly; otherwise pad to the longest text.
      const fixed = session.shapeOf(inputs.inputIds)?.[1];
      const padTo = typeof fixed === 'number' && fixed > 0 ? fixed : 'longest';
      const maxTokens = padTo === 'longest' ? this.model.text.maxTokens : Math.min(padTo, this.model.text.maxTokens);
      return { session, tokenizer, padTo, maxTokens };
    })();
    this.text.catch(() => (this.text = undefined));
    return this.text;
  }
}

/**
 * The configured CLIP model's embedder (findClipModel's rules), or undefined when no CLIP model is configured.
 * Execution providers and threads come from the same configuration.
 */
export async function loadClipEmbedder(models: ModelsConfig): Promise<ClipEmbedder | undefined> {
  const model = await findClipModel(models);
  return model && new ClipEmbedder(model, { executionProviders: models.executionProviders, intraOpThreads: models.intraOpThreads });
}
