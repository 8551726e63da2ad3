// Sentence-embedding runner (BERT-family encoders such as MiniLM or multilingual DistilBERT exported to ONNX):
// tokenise, run in batches padded to the longest text, pool the token vectors (mean under the attention
// mask, the [CLS] vector, or none when the export already pools), L2-normalise.
import { findModel, type TextEmbeddingModel } from './model-registry.ts';
import { executionProvidersFromEnv, intraOpThreadsFromEnv, openOnnxSession, type OnnxSession, type SessionOptions, type Tensor } from './onnx-session.ts';
import { loadTokenizer, padBatch, type PaddedBatch, type Tokenizer } from './tokenizer.ts';
import { batchLimit, chunks, l2Normalise, normalisedRows, requireTensorNames } from './vectors.ts';

export interface TextEmbedOptions {
  /** 'query' for search input, 'document' for what is indexed: models such as e5 expect different prefixes */
  role?: 'query' | 'document';
  /** texts per inference; default: the model's batchSize */
  batchSize?: number;
}

export class TextEmbedder {
  private loaded?: Promise<{ session: OnnxSession; tokenizer: Tokenizer }>;

  constructor(readonly model: TextEmbeddingModel, private readonly sessionOptions: Omit<SessionOptions, 'concurrency'> = {}) {}

  get name(): string {
    return this.model.name;
  }

  get dimension(): number {
    return this.model.dimension;
  }

  /** One unit vector per text, in input order; texts longer than maxTokens are cut. */
  async embedTexts(texts: readonly string[], options: TextEmbedOptions = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { session, tokenizer } = await this.load();
    const { inputs, maxTokens } = this.model;
    const prefix = options.role === 'query' ? this.model.queryPrefix : this.model.documentPrefix;
    const encoded = texts.map((text) => tokenizer.encode(prefix + text, maxTokens));
    // similar lengths together pad less
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.length - encoded[b]!.length);
    const embeddings = new Array<Float32Array>(texts.length);
    for (const rows of chunks(order, batchLimit(session, inputs.inputIds, options.batchSize ?? this.model.batchSize))) {
      const batch = padBatch(rows.map((i) => encoded[i]!), tokenizer.padId, 'longest');
      const dims = [batch.batch, batch.length];
      const feeds: Record<string, Tensor> = { [inputs.inputIds]: session.intTensor(inputs.inputIds, batch.ids, dims) };
      if (session.inputNames.includes(inputs.attentionMask)) feeds[inputs.attentionMask] = session.intTensor(inputs.attentionMask, batch.attentionMask, dims);
      if (session.inputNames.includes(inputs.tokenTypeIds)) feeds[inputs.tokenTypeIds] = session.intTensor(inputs.tokenTypeIds, batch.tokenTypeIds, dims);
      const result = await session.run(feeds, [this.model.output]);
      this.pool(result[this.model.output]!, batch).forEach((vector, j) => (embeddings[rows[j]!] = vector));
    }
    return embeddings;
  }

  private pool(output: Tensor, batch: PaddedBatch): Float32Array[] {
    const { pooling, dimension, name } = this.model;
    if (pooling === 'none') return normalisedRows(output, dimension, name);
    const [rows, length, width] = output.dims;
    if (output.dims.length !== 3 || rows !== batch.batch || length !== batch.length || width !== dimension) {
      throw new Error(`model "${name}" returned shape [${output.dims.join(', ')}], expected [${batch.batch}, ${batch.length}, ${dimension}] for ${pooling} pooling`);
    }
    const data = output.data as Float32Array;
    return Array.from({ length: batch.batch }, (_, row) => {
      const vector = new Float32Array(dimension);
      const start = row * batch.length * dimension;
      if (pooling === 'cls') {
        vector.set(data.subarray(start, start + dimension));
      } else {
        let counted = 0;
        for (let t = 0; t < batch.length; t++) {
          if (!batch.attentionMask[row * batch.length + t]) continue;
          counted++;
          for (let k = 0; k < dimension; k++) vector[k]! += data[start + t * dimension + k]!;
        }
        for (let k = 0; k < dimension; k++) vector[k]! /= Math.max(counted, 1);
      }
      return l2Normalise(vector);
    });
  }

  private load() {
    this.loaded ??= (async () => {
      const [session, tokenizer] = await Promise.all([
        openOnnxSession(this.model.file, { ...this.sessionOptions, concurrency: this.model.concurrency }),
        loadTokenizer(this.model.tokenizer),
      ]);
      const { inputs, output, name } = this.model;
      requireTensorNames(session, name, [inputs.inputIds], [output]);
      const unknown = session.inputNames.filter((input) => !Object.values(inputs).includes(input));
      if (unknown.length) throw new Error(`model "${name}": ${session.file} needs inputs this runner does not provide: ${unknown.join(', ')}`);
      return { session, tokenizer };
    })();
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }
}

/**
 * The configured text-embedding model's embedder (findModel's rules), or undefined when none is configured.
 * Execution providers and threads come from the same env unless given.
 */
export async function loadTextEmbedder(env: NodeJS.ProcessEnv = process.env, sessionOptions: Omit<SessionOptions, 'concurrency'> = {}): Promise<TextEmbedder | undefined> {
  const model = await findModel('text-embedding', env);
  return model && new TextEmbedder(model, { executionProviders: executionProvidersFromEnv(env), intraOpThreads: intraOpThreadsFromEnv(env), ...sessionOptions });
}
