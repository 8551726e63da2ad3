// Speech to text: the port the enrich function calls, and the choice of engine from the environment.
// Engines are command-line programs run on a 16 kHz mono WAV made by ffmpeg (speech-audio.ts):
// whisper.cpp when an operator supplies it, else Debian's pocketsphinx (English only), else none.
import type { SpeechConfig } from '../../config.ts';
import { createPocketsphinx, pocketsphinxInstalled } from './pocketsphinx.ts';
import { createWhisperCpp } from './whisper-cpp.ts';

export interface TranscriptWord {
  word: string;
  /** seconds from the start of the file */
  start: number;
  end: number;
  /** 0–1, as the engine reports it */
  confidence?: number;
}

export interface TranscriptSegment {
  /** seconds from the start of the file */
  start: number;
  end: number;
  text: string;
  /** 0–1: the mean of the word confidences where the engine gives them */
  confidence?: number;
  /** word timings, from engines that give them (pocketsphinx) */
  words?: TranscriptWord[];
}

export interface Transcript {
  engine: string;
  /** ISO 639-1 code of the speech: the one asked for, or the one the engine detected */
  language: string;
  /** the segments' texts joined by spaces; empty when nobody speaks */
  text: string;
  segments: TranscriptSegment[];
}

export interface TranscribeOptions {
  /** ISO 639-1 code (`en`, `es`; `en-US` is read as `en`); default: the engine's own choice */
  language?: string;
  /** aborting kills the engine and ffmpeg; the promise rejects with the signal's reason */
  signal?: AbortSignal;
}

/**
 * A speech recognizer for any audio or video file. `transcribe` rejects with a MediaError `no-media-stream`
 * when the file has no audio stream (a caller tells "no audio" from "nobody speaks", which is an empty
 * transcript), MediaError `unreadable` for a file ffprobe cannot read, MediaError `timeout` when the engine
 * runs past its limit (proportional to the duration), and an Error naming the engine when it fails.
 */
export interface SpeechRecognizer {
  readonly engine: string;
  /** ISO 639-1 codes it transcribes; `*` means any language the model knows */
  readonly languages: string[];
  transcribe(file: string, options?: TranscribeOptions): Promise<Transcript>;
}

export type SpeechEngineName = 'whisper-cpp' | 'pocketsphinx' | 'none';

/**
 * The recognizer the configuration asks for. `SPEECH_ENGINE=whisper-cpp|pocketsphinx|none`; unset: whisper.cpp
 * when WHISPER_CPP_BIN and WHISPER_MODEL are set, else pocketsphinx when it and its English model are installed,
 * else undefined (the caller records "no speech engine installed"). An engine asked for by name that is not
 * there is an error that says what is missing.
 */
export async function loadSpeechRecognizer(speech: SpeechConfig): Promise<SpeechRecognizer | undefined> {
  if (speech.engine === 'none') return undefined;
  if (speech.engine === 'whisper-cpp') return createWhisperCpp(speech);
  if (speech.engine === 'pocketsphinx') return createPocketsphinx(speech.searchPath);
  if (speech.whisperCppBin && speech.whisperModel) return createWhisperCpp(speech);
  if (await pocketsphinxInstalled(speech.searchPath)) return createPocketsphinx(speech.searchPath);
  return undefined;
}

/** The primary language subtag in lower case: `en-US` → `en`, `es_ES` → `es`. */
export const primaryLanguage = (language: string): string => language.trim().toLowerCase().split(/[-_]/)[0]!;

/** Lower-case words without punctuation, as word error rates compare them. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu) ?? [];
}

/**
 * Word error rate of `hypothesis` against `reference`: word-level edit distance (substitutions, deletions,
 * insertions) over the number of reference words. 0 is perfect; it can exceed 1 when the engine invents words.
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const expected = words(reference);
  const heard = words(hypothesis);
  if (expected.length === 0) return heard.length === 0 ? 0 : 1;
  // one row of the Levenshtein table at a time
  let previous = Array.from({ length: heard.length + 1 }, (_, column) => column);
  for (let row = 1; row <= expected.length; row++) {
    const current = [row];
    for (let column = 1; column <= heard.length; column++) {
      const substitution = previous[column - 1]! + (expected[row - 1] === heard[column - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[column]! + 1, current[column - 1]! + 1));
    }
    previous = current;
  }
  return previous[heard.length]! / expected.length;
}
