// CMU PocketSphinx 0.8 as Debian packages it (`pocketsphinx` + `pocketsphinx-en-us`): an offline English recognizer,
// weak next to Whisper but installable anywhere. `pocketsphinx_continuous -infile x.wav -time yes` prints, for each
// utterance it finds, the hypothesis on one line and then one line per word: `word start end confidence`, times
// in seconds from the start of the file, with `<s>`, `</s>`, `<sil>` and noise fillers among the words and
// `(2)` after alternate pronunciations.
import { join } from 'node:path';
import type { SpeechRecognizer, Transcript, TranscriptSegment, TranscriptWord } from './speech.ts';
import { primaryLanguage } from './speech.ts';
import { findOnPath, readable, runSpeechEngine, withSpeechWav } from './speech-audio.ts';

const BINARY = 'pocketsphinx_continuous';
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const MODEL = { hmm: join(MODEL_DIR, 'en-us'), lm: join(MODEL_DIR, 'en-us.lm.bin'), dict: join(MODEL_DIR, 'cmudict-en-us.dict') };

/** A pause this long between two words starts a new segment: espeak and newsreaders pause about 0.3 s between sentences. */
const SEGMENT_PAUSE_SECONDS = 0.25;

/** Whether the program (on the search path, PATH's format) and the English model are installed. */
export async function pocketsphinxInstalled(searchPath: string): Promise<boolean> {
  return (await findOnPath(BINARY, searchPath)) !== undefined && (await readable(...Object.values(MODEL)));
}

export async function createPocketsphinx(searchPath: string): Promise<SpeechRecognizer> {
  const binary = await findOnPath(BINARY, searchPath);
  if (!binary) throw new Error(`${BINARY} is not installed (Debian: apt-get install pocketsphinx pocketsphinx-en-us)`);
  if (!(await readable(...Object.values(MODEL)))) throw new Error(`the PocketSphinx English model is not in ${MODEL_DIR} (Debian: apt-get install pocketsphinx-en-us)`);
  return {
    engine: 'pocketsphinx',
    languages: ['en'],
    async transcribe(file, options = {}): Promise<Transcript> {
      if (options.language && primaryLanguage(options.language) !== 'en') {
        throw new Error(`pocketsphinx has only an English model here; it cannot transcribe ${JSON.stringify(options.language)}`);
      }
      return withSpeechWav(file, options.signal, async ({ wav, signal }) => {
        // no `-logfn /dev/null`: its log goes to stderr, whose last error line explains a failure
        const args = ['-infile', wav, '-time', 'yes', '-hmm', MODEL.hmm, '-lm', MODEL.lm, '-dict', MODEL.dict];
        const segments = parsePocketsphinxOutput(await runSpeechEngine('pocketsphinx', binary, args, signal));
        return { engine: 'pocketsphinx', language: 'en', text: segments.map((segment) => segment.text).join(' '), segments };
      });
    },
  };
}

/** Segments from `pocketsphinx_continuous -time yes` output: words split at utterance ends and at pauses. */
export function parsePocketsphinxOutput(output: string): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let current: TranscriptWord[] = [];
  const close = () => {
    if (current.length > 0) segments.push(segmentOf(current));
    current = [];
  };
  for (const line of output.split('\n')) {
    // hypothesis lines (the words again, without times) do not match
    const match = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (!match) continue;
    const [, token, start, end, confidence] = match as unknown as [string, string, string, string, string];
    if (token === '<s>' || token === '</s>') {
      close();
      continue;
    }
    // fillers: <sil>, [NOISE], [SPEECH], ++NOISE++
    if (/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(token)) continue;
    const word: TranscriptWord = { word: token.replace(/\(\d+\)$/, ''), start: Number(start), end: Number(end), confidence: Number(confidence) };
    const previous = current.at(-1);
    if (previous && word.start - previous.end >= SEGMENT_PAUSE_SECONDS) close();
    current.push(word);
  }
  close();
  return segments;
}

function segmentOf(words: TranscriptWord[]): TranscriptSegment {
  const confidence = words.reduce((sum, word) => sum + (word.confidence ?? 0), 0) / words.length;
  return { start: words[0]!.start, end: words.at(-1)!.end, text: words.map((word) => word.word).join(' '), confidence, words };
}
