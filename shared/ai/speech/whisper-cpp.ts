// whisper.cpp's command-line program (`whisper-cli`, `main` in releases before 1.7) with an operator-supplied
// ggml model: WHISPER_CPP_BIN (path, or a name on PATH), WHISPER_MODEL (e.g. ggml-large-v3.bin) and optionally
// WHISPER_LANGUAGE (default `auto`: the model detects it). It writes its segments as JSON (`-oj -of`) to a
// temporary file:
//   { "result": { "language": "en" },
//     "transcription": [ { "timestamps": {…}, "offsets": { "from": 0, "to": 3000 }, "text": " Hello." } ] }
// Not run here: no whisper.cpp binary or model can be installed on this machine. The tests check the parser on
// a sample in that documented format and the command line through a stand-in script, not real recognition.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SpeechConfig } from '../../config.ts';
import { ffmpegThreads } from '../../media/ffmpeg.ts';
import type { SpeechRecognizer, Transcript, TranscriptSegment } from './speech.ts';
import { primaryLanguage } from './speech.ts';
import { findOnPath, readable, runSpeechEngine, withSpeechWav } from './speech-audio.ts';

export async function createWhisperCpp(speech: SpeechConfig): Promise<SpeechRecognizer> {
  const { whisperCppBin: program, whisperModel: model } = speech;
  if (!program || !model) throw new Error('whisper.cpp needs WHISPER_CPP_BIN (whisper-cli) and WHISPER_MODEL (a ggml model file)');
  const binary = await findOnPath(program, speech.searchPath);
  if (!binary) throw new Error(`WHISPER_CPP_BIN ${JSON.stringify(program)} is not an executable program`);
  if (!(await readable(model))) throw new Error(`WHISPER_MODEL ${JSON.stringify(model)} cannot be read`);
  // ggml-base.en.bin and the like know English only; the others are multilingual
  const englishOnly = /\.en[.-]/.test(basename(model));
  const defaultLanguage = speech.whisperLanguage ? primaryLanguage(speech.whisperLanguage) : 'auto';
  return {
    engine: 'whisper-cpp',
    languages: englishOnly ? ['en'] : ['*'],
    async transcribe(file, options = {}): Promise<Transcript> {
      const language = options.language ? primaryLanguage(options.language) : englishOnly ? 'en' : defaultLanguage;
      if (englishOnly && language !== 'en') throw new Error(`the whisper.cpp model ${basename(model)} is English only; it cannot transcribe ${JSON.stringify(language)}`);
      return withSpeechWav(file, options.signal, async ({ wav, dir, signal }) => {
        const output = join(dir, 'transcript');
        const args = ['-m', model, '-f', wav, '-l', language, '-t', String(ffmpegThreads()), '-oj', '-of', output];
        await runSpeechEngine('whisper-cpp', binary, args, signal);
        return parseWhisperCppJson(await readFile(`${output}.json`, 'utf8'), language);
      });
    },
  };
}

interface WhisperCppJson {
  params?: { language?: string };
  result?: { language?: string };
  transcription?: Array<{ offsets?: { from?: number; to?: number }; text?: string }>;
}

/**
 * A transcript from whisper.cpp's `-oj` output. Offsets are milliseconds; texts lose their leading space, and
 * whole-bracket non-speech marks such as `[BLANK_AUDIO]` or `(music)` are dropped. The language is the one
 * whisper.cpp detected (`result.language`), else the one it was given, else `und`.
 */
export function parseWhisperCppJson(json: string, requestedLanguage?: string): Transcript {
  const parsed = JSON.parse(json) as WhisperCppJson;
  if (!Array.isArray(parsed.transcription)) throw new Error('whisper.cpp output has no transcription array');
  const segments: TranscriptSegment[] = [];
  for (const entry of parsed.transcription) {
    const text = (entry.text ?? '').trim();
    if (!text || /^(\[[^\]]*\]|\([^)]*\))$/.test(text)) continue;
    segments.push({ start: (entry.offsets?.from ?? 0) / 1000, end: (entry.offsets?.to ?? 0) / 1000, text });
  }
  const known = (language?: string) => (language && language !== 'auto' ? language : undefined);
  const language = known(parsed.result?.language) ?? known(parsed.params?.language) ?? known(requestedLanguage) ?? 'und';
  return { engine: 'whisper-cpp', language, text: segments.map((segment) => segment.text).join(' '), segments };
}
