import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeErrors, inspect, type MediaCorpus, mediaCorpus } from '../../test/support/media-corpus.ts';
import { renderAudio } from './audio.ts';
import { MediaError } from './ffmpeg.ts';
import { probeMedia } from './probe.ts';
import type { WaveformPeaks } from './waveform.ts';

let corpus: MediaCorpus;
const workDirs: string[] = [];
before(async () => {
  corpus = await mediaCorpus();
});
after(async () => {
  for (const dir of workDirs) await rm(dir, { recursive: true, force: true });
});

async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mediateca-audio-test-'));
  workDirs.push(dir);
  return dir;
}

describe('renderAudio', () => {
  for (const [label, pick, channels, duration] of [
    ['WAV', (c: MediaCorpus) => c.wav, 2, 4],
    ['MP3', (c: MediaCorpus) => c.mp3, 1, 4],
    ['FLAC', (c: MediaCorpus) => c.flac, 2, 3],
  ] as const) {
    test(`${label}: 128 kbps MP3 preview and waveform`, async () => {
      const file = pick(corpus);
      const dir = await outDir();
      const progress: string[] = [];
      const result = await renderAudio(file, await probeMedia(file), dir, { onProgress: (stage, percent) => progress.push(`${stage} ${percent}`) });
      assert.deepEqual(result.renditions.map((r) => [r.name, r.contentType]), [
        ['waveform', 'image/png'],
        ['waveform-peaks', 'application/json'],
        ['preview', 'audio/mpeg'],
      ]);
      assert.deepEqual(result.skipped, []);
      assert.ok(progress.includes('preview 100') && progress.includes('waveform 100'));

      const preview = result.renditions.find((r) => r.name === 'preview')!;
      assert.equal(preview.file, join(dir, 'preview.mp3'));
      assert.ok(Math.abs(preview.durationSeconds! - duration) < 0.15, `measured duration ${preview.durationSeconds}`);
      const info = await inspect(preview.file);
      const stream = info.streams[0]!;
      assert.equal(info.streams.length, 1);
      assert.equal(stream.codec_name, 'mp3');
      assert.equal(stream.channels, channels);
      assert.equal(stream.bit_rate, '128000');
      assert.ok(Math.abs(Number(info.format.duration) - duration) < 0.15, `duration ${info.format.duration}`);
      assert.equal(await decodeErrors(preview.file), '');

      const peaks = JSON.parse(await readFile(join(dir, 'waveform.json'), 'utf8')) as WaveformPeaks;
      assert.equal(peaks.length, 1600);
      assert.ok(peaks.data.every((value) => value >= -1 && value <= 1));
      assert.ok(Math.abs(peaks.durationSeconds - duration) < 0.15);
      assert.deepEqual((await readdir(dir)).sort(), ['preview.mp3', 'waveform.json', 'waveform.png']);
    });
  }

  for (const [label, pick] of [['MP3 (its Xing header still says 4 s)', (c: MediaCorpus) => c.truncatedMp3], ['WAV (its header declares 4 s)', (c: MediaCorpus) => c.truncatedWav]] as const) {
    test(`a ${label} cut to 40 % fails as truncated, publishing nothing`, async () => {
      const file = pick(corpus);
      const dir = await outDir();
      const published: string[] = [];
      await assert.rejects(renderAudio(file, await probeMedia(file), dir, { onRendition: (r) => published.push(r.name) }), (error: unknown) => {
        assert.ok(error instanceof MediaError, String(error));
        assert.equal(error.code, 'truncated');
        assert.equal(error.permanent, true);
        assert.match(error.reason, /^the file is truncated: only 1\.6 s of 4\.0 s could be decoded$/);
        return true;
      });
      assert.deepEqual(published, []);
      assert.deepEqual(await readdir(dir), []);
    });
  }

  test('an MP3 whose length is only estimated is not held to it', async () => {
    const probe = await probeMedia(corpus.mp3WithoutHeader);
    const result = await renderAudio(corpus.mp3WithoutHeader, probe, await outDir());
    assert.ok(Math.abs(result.renditions.find((r) => r.name === 'preview')!.durationSeconds! - 4) < 0.15);
  });

  test('skip leaves existing renditions alone', async () => {
    const dir = await outDir();
    const result = await renderAudio(corpus.wav, await probeMedia(corpus.wav), dir, { skip: new Set(['waveform', 'waveform-peaks']) });
    assert.deepEqual(result.renditions.map((r) => r.name), ['preview']);
    assert.deepEqual(result.skipped.map((s) => s.name), ['waveform', 'waveform-peaks']);
  });

  test('the audio of a video file can be rendered too', async () => {
    const result = await renderAudio(corpus.timecodeMov, await probeMedia(corpus.timecodeMov), await outDir());
    assert.equal(result.renditions.find((r) => r.name === 'preview')!.contentType, 'audio/mpeg');
  });

  test('no audio stream, or too long: MediaError before any work', async () => {
    const dir = await outDir();
    await assert.rejects(renderAudio(corpus.noAudio, await probeMedia(corpus.noAudio), dir), (error: unknown) => {
      assert.ok(error instanceof MediaError);
      assert.equal(error.reason, 'the file has no audio stream');
      return true;
    });
    await assert.rejects(renderAudio(corpus.wav, await probeMedia(corpus.wav), dir, { maxDurationSeconds: 1 }), /lasts 4 s, longer than the 1 s limit/);
    assert.deepEqual(await readdir(dir), []);
  });
});
