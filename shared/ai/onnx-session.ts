// onnxruntime-node sessions: the runtime is imported only when a model is first used (it is heavy, and most
// functions never need it), one session per model file is kept for the life of the process, and each
// session runs a bounded number of inferences at once (the rest wait in a queue) so that concurrent
// requests do not oversubscribe the CPU threads or the GPU memory.
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../config.ts';

export type OnnxRuntime = typeof Ort;
export type Tensor = Ort.Tensor;

export type { ExecutionProvider };

export interface SessionOptions {
  /** in priority order (ONNX_EXECUTION_PROVIDERS); default ['cpu'] */
  executionProviders?: ExecutionProvider[];
  /** threads one inference may use (ONNX_INTRA_OP_THREADS); default the number of CPUs */
  intraOpThreads?: number;
  /** inferences at once on this session (default 1); the first opener of a file decides */
  concurrency?: number;
}

let runtime: Promise<OnnxRuntime> | undefined;

/** The onnxruntime-node module, imported on first use. */
export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  runtime ??= import('onnxruntime-node');
  return runtime;
}

/** A loaded model file: its declared inputs and outputs, and a queued `run`. */
export class OnnxSession {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly file: string,
    readonly ort: OnnxRuntime,
    private readonly session: Ort.InferenceSession,
    private readonly concurrency: number,
  ) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Declared shape of an input or output: numbers for fixed axes, names (or undefined) for dynamic ones. */
  shapeOf(name: string): ReadonlyArray<number | string | undefined> | undefined {
    const meta = [...this.session.inputMetadata, ...this.session.outputMetadata].find((m) => m.name === name);
    return meta?.isTensor ? meta.shape : undefined;
  }

  /** Element type of an input, e.g. 'int64' or 'float32'. */
  typeOf(name: string): string | undefined {
    const meta = this.session.inputMetadata.find((m) => m.name === name);
    return meta?.isTensor ? meta.type : undefined;
  }

  /** An integer input (token ids, masks) in the type the model declares: int64 for most exports, else int32. */
  intTensor(name: string, values: Int32Array, dims: readonly number[]): Tensor {
    const type = this.typeOf(name);
    if (type === 'int32') return new this.ort.Tensor('int32', values, dims);
    if (type !== 'int64') throw new Error(`${this.file}: input ${name} is ${type}, expected int64 or int32`);
    return new this.ort.Tensor('int64', BigInt64Array.from(values, (value) => BigInt(value)), dims);
  }

  release(): Promise<void> {
    return this.session.release();
  }

  /** Runs the model, waiting for a free slot when `concurrency` inferences are already running. */
  async run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.active < this.concurrency) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return (await (outputs ? this.session.run(feeds, outputs) : this.session.run(feeds))) as Record<string, Tensor>;
    } finally {
      // hand the slot straight to the next waiter, so a newcomer cannot overtake the queue
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const sessions = new Map<string, Promise<OnnxSession>>();

/** The session for this model file, created on first use and then shared. */
export function openOnnxSession(file: string, options: SessionOptions = {}): Promise<OnnxSession> {
  let session = sessions.get(file);
  if (!session) {
    session = createSession(file, options);
    sessions.set(file, session);
    // a failed load is not cached: the operator may fix the file or the providers and try again
    session.catch(() => sessions.delete(file));
  }
  return session;
}

async function createSession(file: string, options: SessionOptions): Promise<OnnxSession> {
  const ort = await loadOnnxRuntime();
  const executionProviders = options.executionProviders ?? ['cpu'];
  try {
    const session = await ort.InferenceSession.create(file, {
      executionProviders,
      intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new OnnxSession(file, ort, session, options.concurrency ?? 1);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    const hint = executionProviders.some((provider) => provider !== 'cpu')
      ? ` (execution providers ${executionProviders.join(',')}: onnxruntime-node installs the CUDA provider's libraries only when its install script is not skipped, see docs/models.md)`
      : '';
    throw new Error(`cannot load ONNX model ${file}: ${message}${hint}`);
  }
}

/** Forgets every cached session, releasing its native memory (tests; a process that swaps models). */
export async function closeOnnxSessions(): Promise<void> {
  const open = [...sessions.values()];
  sessions.clear();
  for (const session of await Promise.allSettled(open)) {
    if (session.status === 'fulfilled') await session.value.release();
  }
}
