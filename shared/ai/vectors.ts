// Small pieces the runners share: batching, L2 normalisation, and checks on what a model returns.
import type { OnnxSession, Tensor } from './onnx-session.ts';

/** Scales to unit length, so that cosine similarity is a dot product. A zero vector stays zero. */
export function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

/** Dot product: the cosine similarity of two normalised embeddings. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** Throws a clear error when the model file lacks a tensor that model.json names. */
export function requireTensorNames(session: OnnxSession, model: string, inputs: readonly string[], outputs: readonly string[]): void {
  for (const name of inputs) {
    if (!session.inputNames.includes(name)) throw new Error(`model "${model}": ${session.file} has no input "${name}" (inputs: ${session.inputNames.join(', ')})`);
  }
  for (const name of outputs) {
    if (!session.outputNames.includes(name)) throw new Error(`model "${model}": ${session.file} has no output "${name}" (outputs: ${session.outputNames.join(', ')})`);
  }
}

/** The largest batch the model accepts: a fixed batch axis (some exports are batch 1) caps the configured size. */
export function batchLimit(session: OnnxSession, input: string, configured: number): number {
  const fixed = session.shapeOf(input)?.[0];
  return typeof fixed === 'number' && fixed > 0 ? Math.min(fixed, configured) : configured;
}

/** Splits a [batch, dimension] float output into one normalised vector per row. */
export function normalisedRows(tensor: Tensor, dimension: number, model: string): Float32Array[] {
  const [batch, width] = tensor.dims;
  if (tensor.dims.length !== 2 || width !== dimension) {
    throw new Error(`model "${model}" returned shape [${tensor.dims.join(', ')}], expected [batch, ${dimension}] (dimension in model.json)`);
  }
  const data = tensor.data as Float32Array;
  return Array.from({ length: batch! }, (_, row) => l2Normalise(data.slice(row * dimension, (row + 1) * dimension)));
}
