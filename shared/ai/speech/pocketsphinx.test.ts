// Real recognition: espeak-ng speaks English (its Klatt voice: pocketsphinx 0.8 recognises almost nothing of the
// default voice), pocketsphinx transcribes it. Both are robotic and weak, so the thresholds sit under what
// was measured (content-word recall 10/18 = 0.56 with Debian 12's espeak-ng 1.51 and pocketsphinx 0.8).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { MediaError } from '../../media/ffmpeg.ts';
import { requireServer } from '../../../test/support/servers.ts';
import { createPocketsphinx, parsePocketsphinxOutput, pocketsphinxInstalled } from './pocketsphinx.ts';
import { type SpeechRecognizer, type Transcript, words } from './speech.ts';
import { findOnPath } from './speech-audio.ts';
import { loadConfig } from '../../config.ts';

const run = promisify(execFile);

// `pocketsphinx_continuous -infile x.wav -time yes` as Debian's 0.8 prints it (shortened)
const OUTPUT = `keeper saw the red
<s> 0.000 0.520 0.999300
<sil> 0.530 0.570 0.937623
keeper 0.580 0.830 0.014428
saw 0.840 0.990 0.018999
[NOISE] 1.000 1.180 0.757121
the(2) 1.220 1.410 0.526463
red 1.420 1.580 0.147663
<sil> 1.590 1.900 0.253458
</s> 1.910 1.970 1.000000

after all
<s> 3.000 3.020 0.990000
after 3.030 3.400 0.500000
<sil> 3.400 3.800 0.900000
all 3.800 4.000 0.700000
</s> 4.000 4.100 1.000000
`;

describe('parsePocketsphinxOutput', () => {
  test('words with times, fillers and alternate marks removed, split at utterances and pauses', () => {
    const segments = parsePocketsphinxOutput(OUTPUT);
    assert.deepEqual(
      segments.map(({ start, end, text }) => ({ start, end, text })),
      [
        { start: 0.58, end: 1.58, text: 'keeper saw the red' },
        { start: 3.03, end: 3.4, text: 'after' },
        { start: 3.8, end: 4, text: 'all' },
      ],
    );
    assert.deepEqual(segments[0]!.words![2], { word: 'the', start: 1.22, end: 1.41, confidence: 0.526463 });
    assert.equal(segments[2]!.confidence, 0.7);
  });

  test('no speech: no segments', () => {
    assert.deepEqual(parsePocketsphinxOutput(''), []);
    assert.deepEqual(parsePocketsphinxOutput('\n<s> 0.000 0.500 1.000000\n<sil> 0.5 2.0 0.9\n</s> 2.000 2.100 1.000000\n'), []);
  });
});

const { searchPath } = loadConfig().speech;
const installed = await requireServer('pocketsphinx and espeak-ng (Debian pocketsphinx, pocketsphinx-en-us, espeak-ng)', async () => {
  if (!(await pocketsphinxInstalled(searchPath))) throw new Error('pocketsphinx_continuous or the pocketsphinx-en-us model is missing');
  if (!(await findOnPath('espeak-ng', searchPath))) throw new Error('espeak-ng is missing');
});

const SPOKEN = 'The lighthouse keeper saw a red boat near the harbor. The children played football in the park after school. Heavy rain fell on the city all night.';
const CONTENT_WORDS = 'lighthouse keeper saw red boat near harbor children played football park after school heavy rain fell city night'.split(' ');

describe('pocketsphinx on real speech', { skip: !installed }, () => {
  let dir: string;
  let recognizer: SpeechRecognizer;
  let speech: string;
  let speechSeconds: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediateca-speech-test-'));
    // temporary WAV folders go here, so the tests can see them removed
    process.env.TMPDIR = dir;
    recognizer = await createPocketsphinx(searchPath);
    speech = join(dir, 'speech.wav');
    await run('espeak-ng', ['-v', 'en-us+klatt', '-w', speech, SPOKEN]);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', speech]);
    speechSeconds = Number(stdout);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const recall = (transcript: Transcript) => {
    const heard = new Set(words(transcript.text));
    return CONTENT_WORDS.filter((word) => heard.has(word)).length / CONTENT_WORDS.length;
  };

  const assertTimings = (transcript: Transcript, durationSeconds: number) => {
    let previousEnd = 0;
    for (const segment of transcript.segments) {
      assert.ok(segment.start >= previousEnd && segment.end > segment.start, `segment ${segment.start}–${segment.end} after ${previousEnd}`);
      for (const word of segment.words ?? []) assert.ok(word.start >= segment.start && word.end <= segment.end && word.end >= word.start);
      previousEnd = segment.end;
    }
    assert.ok(previousEnd <= durationSeconds + 0.05, `last segment ends at ${previousEnd} s, the audio lasts ${durationSeconds} s`);
  };

  test('transcribes English speech with word timings', async () => {
    const transcript = await recognizer.transcribe(speech, { language: 'en-US' });
    console.log(`pocketsphinx heard: "${transcript.text}" (content-word recall ${recall(transcript).toFixed(2)})`);
    assert.equal(transcript.engine, 'pocketsphinx');
    assert.equal(transcript.language, 'en');
    assert.ok(recall(transcript) >= 0.4, `content-word recall ${recall(transcript)}`);
    assert.ok(transcript.segments.length >= 2, 'split at the pauses between sentences');
    assert.equal(transcript.text, transcript.segments.map((segment) => segment.text).join(' '));
    assertTimings(transcript, speechSeconds);
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('mediateca-speech-')), [], 'temporary folders removed');
  });

  test('speech in a video container (H.264 + AAC in MP4)', async () => {
    const video = join(dir, 'speech.mp4');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-i', speech, '-shortest', '-c:v', 'libx264', '-c:a', 'aac', video]);
    const transcript = await recognizer.transcribe(video);
    assert.ok(recall(transcript) >= 0.4, `content-word recall ${recall(transcript)}: "${transcript.text}"`);
    assertTimings(transcript, speechSeconds + 0.1);
  });

  test('silence: an empty transcript', async () => {
    const silence = join(dir, 'silence.flac');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '5', silence]);
    assert.deepEqual(await recognizer.transcribe(silence), { engine: 'pocketsphinx', language: 'en', text: '', segments: [] });
  });

  test('a file without an audio stream: MediaError no-media-stream', async () => {
    const video = join(dir, 'mute.mp4');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:duration=2', '-c:v', 'libx264', video]);
    await assert.rejects(recognizer.transcribe(video), (error) => error instanceof MediaError && error.code === 'no-media-stream');
  });

  test('a corrupt file: MediaError unreadable, and the temporary folders are gone', async () => {
    const corrupt = join(dir, 'corrupt.mp4');
    await writeFile(corrupt, Buffer.from('this is not a media file at all'));
    await assert.rejects(recognizer.transcribe(corrupt), (error) => error instanceof MediaError && error.code === 'unreadable' && /ffprobe could not read/.test(error.message));
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('mediateca-speech-')), []);
  });

  test('a language other than English is refused, not garbled', async () => {
    await assert.rejects(recognizer.transcribe(speech, { language: 'es' }), /only an English model/);
  });

  test('aborting kills the run and rejects with the reason; the temporary folder goes', async () => {
    const controller = new AbortController();
    const running = recognizer.transcribe(speech, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('asset deleted')), 300);
    await assert.rejects(running, /asset deleted/);
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('mediateca-speech-')), []);
  });
});
