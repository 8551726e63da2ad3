import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../config.ts';
import { configureMedia, ffmpegThreads, firstLine, keyframesBefore, MediaError, RenderJob, runFfmpeg, tracedCommandLine } from './ffmpeg.ts';

const SILENCE_2S = ['-f', 'lavfi', '-i', 'anullsrc=sample_rate=8000:channel_layout=mono', '-t', '2'];

describe('runFfmpeg', () => {
  test('reports progress from out_time against the duration, ending at 100', async () => {
    const progress: number[] = [];
    let bytes = 0;
    const result = await runFfmpeg([...SILENCE_2S, '-f', 's16le', 'pipe:1'], {
      durationSeconds: 2,
      onProgress: (percent) => progress.push(percent),
      onStdout: (chunk) => (bytes += chunk.length),
    });
    assert.equal(bytes, 2 * 8000 * 2, 'stdout carries the PCM, untouched by progress');
    assert.ok(Math.abs(result.outTimeSeconds! - 2) < 0.05, `out_time ${result.outTimeSeconds}`);
    assert.equal(progress.at(-1), 100);
    assert.ok(progress.every((percent) => percent >= 0 && percent <= 100));
  });

  test('a failing command becomes a permanent MediaError quoting ffmpeg', async () => {
    await assert.rejects(runFfmpeg(['-i', '/nonexistent/input.mp4', '-f', 'null', '-']), (error: unknown) => {
      assert.ok(error instanceof MediaError);
      assert.equal(error.code, 'ffmpeg-failed');
      assert.equal(error.permanent, true);
      assert.equal(error.reason, 'ffmpeg could not process the file: /nonexistent/input.mp4: No such file or directory');
      return true;
    });
  });

  test('a missing ffmpeg binary is an environment problem, not the file’s', async () => {
    configureMedia(loadConfig({ FFMPEG_PATH: '/nonexistent/ffmpeg' }).media);
    try {
      await assert.rejects(runFfmpeg(SILENCE_2S), (error: unknown) => error instanceof MediaError && error.code === 'environment' && !error.permanent);
    } finally {
      configureMedia(loadConfig({}).media);
    }
  });

  test('aborting kills ffmpeg and rejects with the reason', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = runFfmpeg(['-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 100);
    await assert.rejects(running, /stop/);
    assert.ok(Date.now() - started < 10_000);
  });
});

describe('helpers', () => {
  test('firstLine drops the [demuxer @ 0x…] prefix', () => {
    assert.equal(firstLine(['', '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55b17d3441c0] moov atom not found', 'x: Invalid data']), 'moov atom not found');
  });

  test('ffmpegThreads: at least one, FFMPEG_THREADS overrides', () => {
    assert.ok(ffmpegThreads() >= 1);
    configureMedia(loadConfig({ FFMPEG_THREADS: '3' }).media);
    try {
      assert.equal(ffmpegThreads(), 3);
    } finally {
      configureMedia(loadConfig({}).media);
    }
  });

  test('RenderJob stages files in a private folder and removes it on close', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'mediateca-job-test-'));
    try {
      const job = await RenderJob.start(outDir, {}, { file: 'unused.wav', durationSeconds: 2 });
      await runFfmpeg([...SILENCE_2S, job.tmp('silence.wav')]);
      await runFfmpeg([...SILENCE_2S, job.tmp('left-over.wav')]);
      const published = await job.publish('silence.wav', { name: 'silence', contentType: 'audio/wav' });
      assert.equal(published.file, join(outDir, 'silence.wav'));
      await job.close();
      assert.deepEqual(await readdir(outDir), ['silence.wav']);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});

describe('keyframesBefore', () => {
  test('the keyframe at or before each time in an MP4; none claimed in an MPEG-TS, whose seeks land on no keyframe', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mediateca-keyframes-test-'));
    try {
      const keyframes = async (container: string) => {
        const file = join(dir, `gop-30.${container}`);
        // a keyframe every second
        await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=6', '-c:v', 'libx264', '-g', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', file]);
        return (await keyframesBefore(file, 0, [0.5, 2.2, 4.9])).map((time) => Math.round(time * 10) / 10);
      };
      assert.deepEqual(await keyframes('mp4'), [0, 2, 4]);
      assert.deepEqual(await keyframes('ts'), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test('a span\'s command line keeps a presigned URL\'s address, not its signature', () => {
  const url = 'http://127.0.0.1:7480/masters/p/a/original.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc123';
  const line = tracedCommandLine(['-ss', '2', '-i', url, '-frames:v', '1', '/tmp/poster.jpg']);
  assert.equal(line, '-ss 2 -i http://127.0.0.1:7480/masters/p/a/original.mp4?… -frames:v 1 /tmp/poster.jpg');
  assert.doesNotMatch(line, /Signature/);
});
