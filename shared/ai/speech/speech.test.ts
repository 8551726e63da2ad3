import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSpeechRecognizer, primaryLanguage, wordErrorRate, words } from './speech.ts';
import { loadConfig } from '../../config.ts';

describe('wordErrorRate', () => {
  test('counts substitutions, deletions and insertions over the reference words', () => {
    assert.equal(wordErrorRate('the red boat', 'the red boat'), 0);
    assert.equal(wordErrorRate('the red boat', 'the red coat'), 1 / 3);
    assert.equal(wordErrorRate('the red boat', 'the boat'), 1 / 3);
    assert.equal(wordErrorRate('the red boat', 'the big red boat'), 1 / 3);
    assert.equal(wordErrorRate('the red boat', ''), 1);
    assert.equal(wordErrorRate('a b', 'c d e f'), 2);
  });

  test('ignores case and punctuation, keeps apostrophes inside words', () => {
    assert.equal(wordErrorRate('The Keeper, who saw it.', "the keeper who saw it"), 0);
    assert.deepEqual(words("Don't stop — it's 5 o'clock!"), ["don't", 'stop', "it's", '5', "o'clock"]);
    assert.deepEqual(words('Él llegó a las 9.'), ['él', 'llegó', 'a', 'las', '9']);
  });

  test('an empty reference is perfect only against an empty hypothesis', () => {
    assert.equal(wordErrorRate('', ''), 0);
    assert.equal(wordErrorRate('', 'noise'), 1);
  });
});

test('primaryLanguage keeps the language subtag', () => {
  assert.equal(primaryLanguage('en-US'), 'en');
  assert.equal(primaryLanguage('es_ES'), 'es');
  assert.equal(primaryLanguage(' FR '), 'fr');
});

describe('loadSpeechRecognizer', () => {
  let dir: string;
  let whisperEnv: Record<string, string>;
  const speech = (env: Record<string, string>) => loadConfig(env).speech;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediateca-speech-load-'));
    const bin = join(dir, 'whisper-cli');
    await writeFile(bin, '#!/bin/sh\n');
    await chmod(bin, 0o755);
    await writeFile(join(dir, 'ggml-small.bin'), 'not a real model');
    whisperEnv = { PATH: '/nonexistent', WHISPER_CPP_BIN: bin, WHISPER_MODEL: join(dir, 'ggml-small.bin') };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('none: no recognizer', async () => {
    assert.equal(await loadSpeechRecognizer(speech({ ...whisperEnv, SPEECH_ENGINE: 'none' })), undefined);
  });

  test('whisper.cpp when its program and model are set', async () => {
    const recognizer = await loadSpeechRecognizer(speech(whisperEnv));
    assert.equal(recognizer?.engine, 'whisper-cpp');
    assert.deepEqual(recognizer?.languages, ['*']);
  });

  test('an English-only whisper model says so', async () => {
    const model = join(dir, 'ggml-base.en.bin');
    await writeFile(model, 'not a real model');
    const recognizer = await loadSpeechRecognizer(speech({ ...whisperEnv, WHISPER_MODEL: model }));
    assert.deepEqual(recognizer?.languages, ['en']);
    await assert.rejects(recognizer!.transcribe('/nonexistent.wav', { language: 'es' }), /English only/);
  });

  test('nothing installed and nothing set: undefined', async () => {
    assert.equal(await loadSpeechRecognizer(speech({ PATH: '/nonexistent' })), undefined);
  });

  test('an engine asked for by name that is missing is an error saying what is missing', async () => {
    await assert.rejects(loadSpeechRecognizer(speech({ PATH: '/nonexistent', SPEECH_ENGINE: 'pocketsphinx' })), /pocketsphinx_continuous is not installed/);
    await assert.rejects(loadSpeechRecognizer(speech({ PATH: '/nonexistent', SPEECH_ENGINE: 'whisper-cpp' })), /WHISPER_CPP_BIN/);
    await assert.rejects(loadSpeechRecognizer(speech({ ...whisperEnv, WHISPER_MODEL: join(dir, 'missing.bin') })), /WHISPER_MODEL .* cannot be read/);
  });
});
