// One shared @vladmandic/human instance (BlazeFace + FaceMesh + FaceRes for faces, CenterNet for COCO objects)
// on TensorFlow.js's WebAssembly backend. Heavy: nothing here loads until the first detection asks for it.
// Models are read from the files shipped inside the package (file:// paths): no network at run time.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, Human, Result } from '@vladmandic/human';
import { bulkhead } from 'cockatiel';
import { decodeRgb, type ImageInput } from './image.ts';
import { withoutAddedProcessHooks } from './process-hooks.ts';

/** Long side the image is decoded to before inference; detectors resize further to their own input (256–512 px). */
const MAX_SIDE = 1280;

/**
 * One inference at a time per process: the WebAssembly backend runs on a single thread, so parallel calls would
 * only interleave, and one Human instance keeps per-call state. Up to 256 callers wait their turn; beyond that the
 * call is rejected (BulkheadRejectedError) so an overloaded worker pushes back instead of piling up images.
 */
export const inferenceQueue = bulkhead(1, 256);

const require = createRequire(import.meta.url);

let instance: Promise<Human> | undefined;
let loadMilliseconds: number | undefined;

/** Runs one detection on the shared instance. `config` switches the parts this call needs on or off. */
export function detectWithHuman(input: ImageInput, config: Partial<Config>): Promise<Result> {
  return inferenceQueue.execute(async () => {
    const human = await loadHuman();
    const image = await decodeRgb(input, MAX_SIDE);
    const tensor = human.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const result = await human.detect(tensor, config);
      if (result.error) throw new Error(`human: ${result.error}`);
      return result;
    } finally {
      human.tf.dispose(tensor);
    }
  });
}

/** The shared instance, created and loaded on first use (a failed load is retried on the next call). */
export function loadHuman(): Promise<Human> {
  instance ??= withoutAddedProcessHooks(createHuman).catch((error: unknown) => {
    instance = undefined;
    throw error;
  });
  return instance;
}

/** How long loading the models took, once they are loaded. */
export function humanLoadMilliseconds(): number | undefined {
  return loadMilliseconds;
}

async function createHuman(): Promise<Human> {
  const started = performance.now();
  // The package's "exports" keys for its builds lack the leading "./", so Node cannot resolve them by name:
  // find the package from its main entry and load the WebAssembly build by path.
  const packageDir = dirname(dirname(require.resolve('@vladmandic/human')));
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  registerFileLoader(require('@tensorflow/tfjs-core'));
  const { Human } = require(join(packageDir, 'dist/human.node-wasm.js')) as { Human: new (config: Partial<Config>) => Human };
  const human = new Human({
    backend: 'wasm',
    wasmPath: `${wasmDir}/`,
    modelBasePath: `file://${join(packageDir, 'models')}/`,
    debug: false,
    warmup: 'none',
    cacheModels: false,
    // Every call is a different still image: never reuse a previous frame's results.
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      // Rotation correction made descriptors of the same person drift further apart on the sample photos.
      detector: { rotation: false, maxDetected: 50, minConfidence: 0.2, skipFrames: 0, skipTime: 0, return: false },
      mesh: { enabled: true },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: true, skipFrames: 0, skipTime: 0 },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    object: { enabled: true, maxDetected: 50, minConfidence: 0.1, skipFrames: 0, skipTime: 0 },
  });
  await human.load();
  loadMilliseconds = performance.now() - started;
  return human;
}

type TfCore = typeof import('@tensorflow/tfjs-core');
type IOHandler = import('@tensorflow/tfjs-core').io.IOHandler;
type IORouter = Parameters<TfCore['io']['registerLoadRouter']>[0];
let fileLoaderRegistered = false;

/**
 * TensorFlow.js only reads file:// models through tfjs-node, which this build does not use: teach it to read
 * a model.json and its weight shards from disk.
 */
function registerFileLoader(tf: TfCore): void {
  if (fileLoaderRegistered) return;
  fileLoaderRegistered = true;
  const fileRouter = (url: string | string[]): IOHandler | null => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const modelFile = fileURLToPath(url);
    return {
      async load() {
        const modelJson = JSON.parse(await readFile(modelFile, 'utf8'));
        return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
          const shards: ArrayBuffer[] = [];
          for (const group of manifest) {
            for (const path of group.paths) {
              const bytes = await readFile(join(dirname(modelFile), path));
              shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
            }
          }
          return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(shards)];
        });
      },
    };
  };
  // Routers answer null for URLs that are not theirs (TensorFlow.js's own do too); the IORouter type omits it.
  tf.io.registerLoadRouter(fileRouter as IORouter);
}
