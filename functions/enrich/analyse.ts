// The models enrich runs, one function each: frames (or the sound) in, findings out. Each model's module is
// imported on first use, so the function starts fast and a part that is switched off never loads.
import { BulkheadRejectedError } from 'cockatiel';
import type { EnrichPart, ModelsConfig, SpeechConfig } from '../../shared/config.ts';
import type { FaceFinding, LabelFinding } from '../../shared/db/enrichment.ts';

/** An image to look at: the image's preview, or a key frame of a video with its time. */
export interface Frame {
  file: string;
  time?: number;
}

export type PartOutcome = { status: 'done' | 'skipped' | 'unavailable' | 'failed'; reason?: string; model?: string; ms?: number };

export interface OcrFinding {
  text: string;
  languages: string[];
  frames: { time?: number; text: string }[];
}

export interface TranscriptFinding {
  engine: string;
  language: string;
  text: string;
  segments: { start: number; end: number; text: string; confidence?: number }[];
}

/** Thrown by a part that cannot run on this machine: recorded as 'unavailable', never retried. */
export class Unavailable extends Error {}

const MAX_DETECTIONS_PER_LABEL = 20;
const MAX_FACES = 50;

export async function findObjects(frames: Frame[]): Promise<{ model: string; labels: LabelFinding[] }> {
  const { detectObjects } = await import('../../shared/ai/vision/objects.ts');
  const byLabel = new Map<string, LabelFinding>();
  for (const frame of frames) {
    for (const found of await detectObjects(frame.file)) {
      const entry = byLabel.get(found.label) ?? { label: found.label, confidence: 0, detections: [] };
      entry.confidence = Math.max(entry.confidence, found.confidence);
      if (entry.detections.length < MAX_DETECTIONS_PER_LABEL) entry.detections.push({ box: found.box, time: frame.time, confidence: found.confidence });
      byLabel.set(found.label, entry);
    }
  }
  return { model: 'human/centernet-coco', labels: [...byLabel.values()].sort((a, b) => b.confidence - a.confidence) };
}

export async function findFaces(frames: Frame[]): Promise<{ model: string; faces: FaceFinding[] }> {
  const { detectFaces } = await import('../../shared/ai/vision/faces.ts');
  const faces: FaceFinding[] = [];
  for (const frame of frames) {
    for (const face of await detectFaces(frame.file)) faces.push({ box: face.box, time: frame.time, confidence: face.confidence, descriptor: face.descriptor });
  }
  return { model: 'human/blazeface-faceres', faces: faces.sort((a, b) => b.confidence - a.confidence).slice(0, MAX_FACES) };
}

export async function readText(frames: Frame[]): Promise<{ model: string; ocr: OcrFinding }> {
  const { recognizeText } = await import('../../shared/ai/vision/ocr.ts');
  const seen = new Set<string>();
  const found: OcrFinding['frames'] = [];
  let languages: string[] = [];
  for (const frame of frames) {
    let result;
    try {
      result = await recognizeText(frame.file);
    } catch (error) {
      if (/not installed/.test((error as Error).message)) throw new Unavailable((error as Error).message);
      throw error;
    }
    languages = result.languages;
    // a caption that stays on screen across key frames is kept once
    const lines = result.lines.map((line) => line.text).filter((text) => !seen.has(text));
    lines.forEach((text) => seen.add(text));
    if (lines.length) found.push({ time: frame.time, text: lines.join('\n') });
  }
  return { model: 'paddleocr-det+tesseract', ocr: { text: found.map((f) => f.text).join('\n'), languages, frames: found } };
}

export async function transcribe(file: string, speech: SpeechConfig, signal?: AbortSignal): Promise<{ model: string; transcript: TranscriptFinding }> {
  const { loadSpeechRecognizer } = await import('../../shared/ai/speech/speech.ts');
  const recognizer = await loadSpeechRecognizer(speech);
  if (!recognizer) throw new Unavailable('no speech engine installed (Debian pocketsphinx + pocketsphinx-en-us, or WHISPER_CPP_BIN + WHISPER_MODEL)');
  const transcript = await recognizer.transcribe(file, { signal });
  return { model: recognizer.engine, transcript };
}

/** One vector for the asset: the mean of its frames' CLIP image embeddings, normalised again. */
export async function embedFrames(frames: Frame[], models: ModelsConfig, expected: number): Promise<{ model: string; vector: number[] }> {
  const { loadClipEmbedder } = await import('../../shared/ai/clip.ts');
  const clip = await loadClipEmbedder(models);
  if (!clip) throw new Unavailable('no CLIP model in the models directory (see docs/models.md)');
  if (clip.dimension !== expected) throw new Unavailable(`CLIP model "${clip.name}" makes ${clip.dimension}-d vectors, the search index stores ${expected}-d (SEARCH_EMBEDDING_DIMENSIONS)`);
  const vectors = await clip.embedImages(frames.map((frame) => frame.file));
  const mean = new Array<number>(clip.dimension).fill(0);
  for (const vector of vectors) vector.forEach((value, i) => (mean[i]! += value));
  const norm = Math.hypot(...mean) || 1;
  return { model: clip.name, vector: mean.map((value) => value / norm) };
}

/**
 * Runs one part, timing it. A model that fails on this asset is recorded as failed (retrying gives the same
 * answer); an overloaded model queue is rethrown, so the event is delivered again later.
 */
export async function runPart<T>(part: EnrichPart, work: () => Promise<T & { model: string }>): Promise<{ outcome: PartOutcome; result?: T & { model: string } }> {
  const started = performance.now();
  try {
    const result = await work();
    return { outcome: { status: 'done', model: result.model, ms: Math.round(performance.now() - started) }, result };
  } catch (error) {
    if (error instanceof BulkheadRejectedError) throw error;
    const reason = `${part}: ${(error as Error).message}`;
    return { outcome: { status: error instanceof Unavailable ? 'unavailable' : 'failed', reason } };
  }
}
