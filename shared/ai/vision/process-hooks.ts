// Emscripten-built WebAssembly modules (TensorFlow.js's wasm backend, OpenCV.js inside the OCR detector) add
// process-wide 'uncaughtException' and 'unhandledRejection' handlers when they start, which rethrow or abort and
// print their own megabytes-long minified source. A library must not change how its host process handles errors.
import type { EventEmitter } from 'node:events';

const EVENTS = ['uncaughtException', 'unhandledRejection'];
const emitter: EventEmitter = process; // the plain emitter API takes any event name

/** Runs `load` and removes the process error handlers it added. */
export async function withoutAddedProcessHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = EVENTS.map((event) => new Set(emitter.listeners(event)));
  try {
    return await load();
  } finally {
    EVENTS.forEach((event, i) => {
      for (const listener of emitter.listeners(event)) if (!before[i]!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    });
  }
}
