// whisper.cpp cannot be installed here (no binary, no model): these tests check the JSON parser on a sample in
// whisper.cpp's documented `-oj` format and the command line through a stand-in script. Real recognition
// quality with a Whisper model is not tested.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseWhisperCppJson, createWhisperCpp } from './whisper-cpp.ts';
import { loadConfig } from '../../config.ts';

const SAMPLE = JSON.stringify({
  systeminfo: 'AVX = 1 | AVX2 = 1 | FMA = 1',
  model: { type: 'small', multilingual: true, vocab: 51865 },
  params: { model: 'models/ggml-small.bin', language: 'auto', translate: false },
  result: { language: 'es' },
  transcription: [
    { timestamps: { from: '00:00:00,000', to: '00:00:03,240' }, offsets: { from: 0, to: 3240 }, text: ' El farero vio un barco rojo.' },
    { timestamps: { from: '00:00:03,240', to: '00:00:05,000' }, offsets: { from: 3240, to: 5000 }, text: ' [BLANK_AUDIO]' },
    { timestamps: { from: '00:00:05,000', to: '00:00:08,120' }, offsets: { from: 5000, to: 8120 }, text: ' Llovió toda la noche.' },
  ],
});

describe('parseWhisperCppJson', () => {
  test('segments in seconds, trimmed, non-speech marks dropped, detected language', () => {
    assert.deepEqual(parseWhisperCppJson(SAMPLE, 'auto'), {
      engine: 'whisper-cpp',
      language: 'es',
      text: 'El farero vio un barco rojo. Llovió toda la noche.',
      segments: [
        { start: 0, end: 3.24, text: 'El farero vio un barco rojo.' },
        { start: 5, end: 8.12, text: 'Llovió toda la noche.' },
      ],
    });
  });

  test('without a detected language: the one asked for, else und', () => {
    const bare = JSON.stringify({ params: { language: 'auto' }, transcription: [] });
    assert.equal(parseWhisperCppJson(bare, 'en').language, 'en');
    assert.equal(parseWhisperCppJson(bare, 'auto').language, 'und');
    assert.equal(parseWhisperCppJson(bare).text, '');
  });

  test('output without a transcription array is an error', () => {
    assert.throws(() => parseWhisperCppJson('{}'), /no transcription array/);
  });
});

describe('whisper.cpp adapter with a stand-in program', () => {
  let dir: string;
  let audio: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediateca-whisper-test-'));
    // the stand-in records its arguments and writes the sample where -of says, as whisper-cli does with -oj
    const program = join(dir, 'whisper-cli');
    await writeFile(
      program,
      `#!/bin/sh\necho "$@" > "${dir}/args"\nwhile [ $# -gt 0 ]; do [ "$1" = -of ] && out="$2"; shift; done\ncat "${dir}/sample.json" > "$out.json"\n`,
    );
    await chmod(program, 0o755);
    await writeFile(join(dir, 'sample.json'), SAMPLE);
    await writeFile(join(dir, 'ggml-small.bin'), 'not a real model');
    // temporary WAV folders go here, so the test can see them removed
    process.env.TMPDIR = dir;
    audio = join(dir, 'tone.mp3');
    await promisify(execFile)('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', audio]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('runs the program on a 16 kHz WAV with the model, language and JSON output, and reads the JSON', async () => {
    const env = { WHISPER_CPP_BIN: join(dir, 'whisper-cli'), WHISPER_MODEL: join(dir, 'ggml-small.bin'), WHISPER_LANGUAGE: 'es-ES' };
    const recognizer = await createWhisperCpp(loadConfig(env).speech);
    const transcript = await recognizer.transcribe(audio);
    assert.equal(transcript.language, 'es');
    assert.equal(transcript.segments.length, 2);
    const args = (await readFile(join(dir, 'args'), 'utf8')).trim().split(' ');
    assert.equal(args[args.indexOf('-m') + 1], env.WHISPER_MODEL);
    assert.equal(args[args.indexOf('-l') + 1], 'es');
    assert.ok(args.includes('-oj'));
    assert.match(args[args.indexOf('-f') + 1]!, /speech\.wav$/);

    await recognizer.transcribe(audio, { language: 'en' });
    const again = (await readFile(join(dir, 'args'), 'utf8')).trim().split(' ');
    assert.equal(again[again.indexOf('-l') + 1], 'en');
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('mediateca-speech-')), [], 'temporary folders removed');
  });

  test('a failing program rejects with its error line, and the temporary folder still goes', async () => {
    const failing = join(dir, 'whisper-broken');
    await writeFile(failing, '#!/bin/sh\necho "whisper_init_from_file: loading model" >&2\necho "error: failed to initialize whisper context" >&2\nexit 3\n');
    await chmod(failing, 0o755);
    const recognizer = await createWhisperCpp(loadConfig({ WHISPER_CPP_BIN: failing, WHISPER_MODEL: join(dir, 'ggml-small.bin') }).speech);
    await assert.rejects(recognizer.transcribe(audio), /whisper-cpp failed \(exit code 3\): error: failed to initialize whisper context/);
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('mediateca-speech-')), [], 'temporary folders removed');
  });
});
