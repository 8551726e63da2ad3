import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeErrors, type Inspected, inspect, type MediaCorpus, mediaCorpus, topLevelBoxes } from '../../test/support/media-corpus.ts';
import { ffmpegPath, MediaError, type Rendition, type RenderResult } from './ffmpeg.ts';
import { probeMedia } from './probe.ts';
import {
  capAudioKbps,
  fitWithin,
  hlsLadder,
  outputFrameRate,
  playlistSeconds,
  posterScore,
  rateControl,
  renderVideo,
  spriteLayout,
  spriteVtt,
  VIDEO_RENDITION_GROUPS,
} from './video.ts';
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
  const dir = await mkdtemp(join(tmpdir(), 'mediateca-video-test-'));
  workDirs.push(dir);
  return dir;
}

/** Renders only the named groups (the rest are skipped), to keep each test short. */
async function render(file: string, groups: string[], options: Parameters<typeof renderVideo>[3] = {}): Promise<RenderResult & { dir: string }> {
  const dir = await outDir();
  const skip = new Set(Object.entries(VIDEO_RENDITION_GROUPS).flatMap(([group, names]) => (groups.includes(group) ? [] : names)));
  const result = await renderVideo(file, await probeMedia(file), dir, { skip, ...options });
  return { ...result, dir };
}

const rendition = (result: RenderResult, name: string): Rendition => {
  const found = result.renditions.find((candidate) => candidate.name === name);
  assert.ok(found, `rendition ${name} in ${result.renditions.map((r) => r.name)}`);
  return found;
};
const videoStream = (info: Inspected) => info.streams.find((stream) => stream.codec_type === 'video')!;
const audioStream = (info: Inspected) => info.streams.find((stream) => stream.codec_type === 'audio');

async function assertPlayableMp4(file: string, width: number, height: number, duration: number, withAudio = true): Promise<Inspected> {
  const info = await inspect(file);
  const video = videoStream(info);
  assert.equal(video.codec_name, 'h264');
  assert.equal(video.profile, 'High');
  assert.equal(video.pix_fmt, 'yuv420p');
  assert.deepEqual([video.width, video.height], [width, height]);
  assert.equal(video.side_data_list, undefined, 'no rotation left for the player to apply');
  if (withAudio) assert.equal(audioStream(info)?.codec_name, 'aac');
  else assert.equal(audioStream(info), undefined);
  assert.ok(Math.abs(Number(info.format.duration) - duration) < 0.3, `duration ${info.format.duration}, expected ${duration}`);
  const boxes = await topLevelBoxes(file);
  assert.ok(boxes.indexOf('moov') < boxes.indexOf('mdat'), `faststart: ${boxes}`);
  assert.equal(await decodeErrors(file), '');
  return info;
}

/** Luma statistics of an image (or a region of it). */
async function luma(file: string, region?: { left: number; top: number; width: number; height: number }) {
  const image = sharp(file);
  if (region) image.extract(region);
  const grey = await image.greyscale().png().toBuffer();
  return (await sharp(grey).stats()).channels[0]!;
}

async function assertNoTemporaryFiles(dir: string): Promise<void> {
  assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('.')), []);
}

describe('renderVideo on a 1080p30 master, HLS on', () => {
  let result: RenderResult & { dir: string };
  const progress: Array<[string, number]> = [];
  const announced: string[] = [];
  /** stages as they start and renditions as they are published, in order */
  const timeline: string[] = [];
  before(async () => {
    result = await render(corpus.video1080p, Object.keys(VIDEO_RENDITION_GROUPS), {
      hls: true,
      onProgress: (stage, percent) => {
        if (progress.at(-1)?.[0] !== stage) timeline.push(`stage ${stage}`);
        progress.push([stage, percent]);
      },
      onRendition: (published) => {
        announced.push(published.name);
        timeline.push(`rendition ${published.name}`);
      },
    });
  });

  test('every rendition, announced as it is published, and no temporary files', async () => {
    const names = ['poster', 'waveform', 'waveform-peaks', 'preview', 'proxy', 'sprite', 'sprite-vtt', 'hls'];
    assert.deepEqual(result.renditions.map((r) => r.name), names);
    assert.deepEqual(announced, names);
    assert.deepEqual(result.skipped, []);
    await assertNoTemporaryFiles(result.dir);
  });

  test('progressive: the poster before any encode, the preview published before proxy, sprite and HLS start encoding', () => {
    const at = (entry: string) => timeline.indexOf(entry);
    assert.ok(at('rendition poster') >= 0 && at('rendition poster') < at('stage preview'), timeline.join(', '));
    assert.ok(at('rendition preview') >= 0 && at('rendition preview') < at('stage encode'), timeline.join(', '));
  });

  test('preview: 720p H.264 High ≤ 4.1 + AAC, faststart, plays', async () => {
    const preview = rendition(result, 'preview');
    assert.deepEqual([preview.contentType, preview.width, preview.height], ['video/mp4', 1280, 720]);
    const info = await assertPlayableMp4(preview.file, 1280, 720, 4);
    assert.ok(videoStream(info).level! <= 41, `level ${videoStream(info).level}`);
    assert.equal(videoStream(info).r_frame_rate, '30/1');
  });

  test('proxy: 1080p H.264 + AAC, faststart, plays', async () => {
    await assertPlayableMp4(rendition(result, 'proxy').file, 1920, 1080, 4);
  });

  test('time-based renditions carry the duration measured on the output', () => {
    for (const name of ['preview', 'proxy', 'hls', 'waveform', 'waveform-peaks', 'sprite-vtt']) {
      const seconds = rendition(result, name).durationSeconds;
      assert.ok(seconds !== undefined && Math.abs(seconds - 4) < 0.1, `${name}: ${seconds}`);
    }
  });

  test('poster: a 1080p JPEG that is not black', async () => {
    const poster = rendition(result, 'poster');
    const info = await inspect(poster.file);
    assert.deepEqual([videoStream(info).codec_name, videoStream(info).width, videoStream(info).height], ['mjpeg', 1920, 1080]);
    const { mean } = await luma(poster.file);
    assert.ok(mean > 40, `mean luma ${mean}`);
  });

  test('sprite: one 160 px tile per second in a grid, indexed by a WebVTT track covering the duration', async () => {
    const sprite = rendition(result, 'sprite');
    const info = await inspect(sprite.file);
    assert.deepEqual([videoStream(info).width, videoStream(info).height], [4 * 160, 90]);
    const vtt = await readFile(rendition(result, 'sprite-vtt').file, 'utf8');
    const cues = [...vtt.matchAll(/^(\S+) --> (\S+)\n(.+)$/gm)];
    assert.ok(vtt.startsWith('WEBVTT\n'));
    assert.equal(cues.length, 4);
    assert.equal(cues[0]![1], '00:00:00.000');
    assert.equal(cues.at(-1)![2], '00:00:04.000');
    assert.deepEqual(cues.map((cue) => cue[3]), [0, 160, 320, 480].map((x) => `sprite.jpg#xywh=${x},0,160,90`));
  });

  test('waveform: PNG and 1600 min/max pairs within -1..1', async () => {
    const png = await sharp(rendition(result, 'waveform').file).metadata();
    assert.deepEqual([png.format, png.width, png.height], ['png', 1600, 240]);
    const peaks = JSON.parse(await readFile(rendition(result, 'waveform-peaks').file, 'utf8')) as WaveformPeaks;
    assert.equal(peaks.length, 1600);
    assert.equal(peaks.data.length, 3200);
    assert.ok(peaks.data.every((value) => value >= -1 && value <= 1));
    assert.ok(Math.max(...peaks.data) > 0.05, 'the tone shows');
    assert.ok(Math.abs(peaks.durationSeconds - 4) < 0.1);
  });

  test('HLS: a master playlist with a 360p and a 720p variant, every file listed', async () => {
    const hls = rendition(result, 'hls');
    assert.equal(hls.file, join(result.dir, 'hls', 'master.m3u8'));
    const master = await readFile(hls.file, 'utf8');
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:.*RESOLUTION=(\d+x\d+).*\n(.+)/g)].map((match) => [match[1], match[2]]);
    assert.deepEqual(variants, [['640x360', '360p/index.m3u8'], ['1280x720', '720p/index.m3u8']]);
    const files = hls.files!.map((part) => part.file);
    assert.ok(files.includes(hls.file));
    const segments = files.filter((file) => file.endsWith('.ts'));
    assert.ok(segments.length >= 2);
    assert.ok(hls.files!.every((part) => part.contentType === (part.file.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl')));
    assert.equal(await decodeErrors(join(result.dir, 'hls', '720p', 'index.m3u8')), '');
  });

  test('progress: each stage climbs to 100', () => {
    for (const stage of ['poster', 'waveform', 'preview', 'encode']) {
      const values = progress.filter(([name]) => name === stage).map(([, percent]) => percent);
      assert.ok(values.length > 0, stage);
      assert.deepEqual(values, [...values].sort((a, b) => a - b), `${stage} never goes back`);
      assert.equal(values.at(-1), 100);
    }
  });
});

describe('renderVideo on other sources', () => {
  test('portrait phone video comes out upright, never enlarged', async () => {
    const result = await render(corpus.portrait, ['preview', 'proxy', 'poster']);
    await assertPlayableMp4(rendition(result, 'preview').file, 720, 1280, 3);
    await assertPlayableMp4(rendition(result, 'proxy').file, 720, 1280, 3);
    const poster = rendition(result, 'poster');
    assert.deepEqual([poster.width, poster.height], [720, 1280]);
    // The stored frame's left half is white: upright, that is the top half.
    assert.ok((await luma(poster.file, { left: 0, top: 0, width: 720, height: 640 })).mean > 200, 'top half white');
    assert.ok((await luma(poster.file, { left: 0, top: 640, width: 720, height: 640 })).mean < 50, 'bottom half black');
  });

  test('a low-bit-rate source: no rendition costs more bytes than the master', async () => {
    const result = await render(corpus.lowBitrate, ['preview', 'proxy', 'hls'], { hls: true });
    const master = (await stat(corpus.lowBitrate)).size;
    for (const name of ['preview', 'proxy']) {
      const size = (await stat(rendition(result, name).file)).size;
      assert.ok(size <= master, `${name}: ${size} bytes from a ${master}-byte master`);
    }
    const hls = rendition(result, 'hls').files!.filter((part) => part.file.includes('720p'));
    const hlsSize = (await Promise.all(hls.map((part) => stat(part.file)))).reduce((sum, file) => sum + file.size, 0);
    // MPEG-TS costs a few percent in packet headers over MP4; the video itself stays under the source's rate.
    assert.ok(hlsSize <= master * 1.1, `720p HLS: ${hlsSize} bytes from a ${master}-byte master`);
    await assertPlayableMp4(rendition(result, 'proxy').file, 1280, 720, 6);
  });

  test('rate control: the source’s bit rate caps every output it is below', () => {
    assert.deepEqual(rateControl(20_000_000, undefined), ['-maxrate', '20000k', '-bufsize', '40000k']);
    assert.deepEqual(rateControl(20_000_000, 30_000_000), ['-maxrate', '20000k', '-bufsize', '40000k']);
    assert.deepEqual(rateControl(20_000_000, 411_000), ['-maxrate', '411k', '-bufsize', '411k', '-rc_init_occupancy', '41100']);
    assert.deepEqual(rateControl(800_000, 411_000, 'v:0'), ['-maxrate:v:0', '411k', '-bufsize:v:0', '411k', '-rc_init_occupancy:v:0', '41100']);
    assert.equal(capAudioKbps(192, 96_000), 96);
    assert.equal(capAudioKbps(192, 1_411_200), 192);
    assert.equal(capAudioKbps(128, undefined), 128);
  });

  test('a 480p WebM stays 480p in preview and proxy', async () => {
    const result = await render(corpus.webm480p, ['preview', 'proxy']);
    for (const name of ['preview', 'proxy']) {
      assert.deepEqual([rendition(result, name).width, rendition(result, name).height], [854, 480]);
      await assertPlayableMp4(rendition(result, name).file, 854, 480, 3);
    }
  });

  test('video without audio: video-only preview, waveform skipped with a reason', async () => {
    const result = await render(corpus.noAudio, ['preview', 'waveform']);
    await assertPlayableMp4(rendition(result, 'preview').file, 1280, 720, 3, false);
    assert.deepEqual(
      result.skipped.filter((skipped) => skipped.name.startsWith('waveform')),
      [{ name: 'waveform', reason: 'the video has no audio' }, { name: 'waveform-peaks', reason: 'the video has no audio' }],
    );
    assert.equal(result.renditions.some((r) => r.name.startsWith('waveform')), false);
  });

  test('a clip that starts black gets a poster from after the black', async () => {
    const result = await render(corpus.blackStart, ['poster']);
    const { mean, stdev } = await luma(rendition(result, 'poster').file);
    assert.ok(mean > 40, `mean luma ${mean}`);
    assert.ok(stdev > 20, 'not a blank frame');
  });

  test('poster candidates: a keyframe near a candidate time is decoded alone; far from any keyframe, the seek is accurate', async () => {
    const clip = async (gop: number, container = 'mp4') => {
      const file = join(await outDir(), `gop-${gop}.${container}`);
      await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=6', '-c:v', 'libx264', '-g', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p', file]);
      return file;
    };
    const keyframeInputs = async (file: string) => {
      const commands: string[][] = [];
      const result = await render(file, ['poster'], { onCommand: (stage, args) => { if (stage === 'poster') commands.push(args); } });
      const { stdev } = await luma(rendition(result, 'poster').file);
      assert.ok(stdev > 20, 'a poster with a picture');
      return commands[0]!.filter((arg) => arg === '-noaccurate_seek').length;
    };
    assert.equal(await keyframeInputs(await clip(15)), 6, 'a keyframe every 0.5 s: each of the six candidates is one');
    // MPEG-TS timestamps begin at 1.4 s: the keyframes are found where -ss counts from
    assert.equal(await keyframeInputs(await clip(15, 'ts')), 6, 'the same in MPEG-TS');
    assert.equal(await keyframeInputs(await clip(600)), 0, 'one keyframe, at the start: every candidate is sought accurately');
  });

  test('HDR footage is tone-mapped to SDR BT.709, 8-bit', async () => {
    const result = await render(corpus.hdr, ['preview', 'poster']);
    const info = await assertPlayableMp4(rendition(result, 'preview').file, 640, 360, 2, false);
    assert.equal(videoStream(info).color_transfer, 'bt709');
    assert.equal(videoStream(info).color_primaries, 'bt709');
    const { mean } = await luma(rendition(result, 'poster').file);
    assert.ok(mean > 40 && mean < 220, `mean luma ${mean}`);
  });

  test('variable-frame-rate footage becomes constant-rate', async () => {
    const result = await render(corpus.vfr, ['preview']);
    const info = await assertPlayableMp4(rendition(result, 'preview').file, 640, 360, 4, false);
    assert.equal(videoStream(info).r_frame_rate, '24000/1001');
    assert.equal(videoStream(info).avg_frame_rate, '24000/1001');
  });

  test('skip: renditions that already exist are not made again, and are reported; HLS switched off is not reported', async () => {
    const result = await render(corpus.timecodeMov, ['poster']);
    assert.deepEqual(result.renditions.map((r) => r.name), ['poster']);
    assert.deepEqual(
      result.skipped.map((skipped) => skipped.name),
      ['waveform', 'waveform-peaks', 'preview', 'proxy', 'sprite', 'sprite-vtt'],
    );
    assert.equal(result.skipped.find((skipped) => skipped.name === 'preview')!.reason, 'already rendered (skipped on request)');
    assert.deepEqual((await readdir(result.dir)).sort(), ['poster.jpg']);
  });
});

describe('renderVideo failures', () => {
  async function assertFails(promise: Promise<unknown>, code: string, reason: RegExp, permanent = true): Promise<void> {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof MediaError, String(error));
      assert.equal(error.code, code);
      assert.match(error.reason, reason);
      assert.equal(error.permanent, permanent);
      return true;
    });
  }

  test('a master cut to 40 % (index first) fails as truncated with every rendition asked for, publishing none', async () => {
    const dir = await outDir();
    const probe = await probeMedia(corpus.truncatedFaststart);
    assert.equal(probe.durationSeconds, 4, 'the index still declares the whole clip');
    const published: string[] = [];
    const rendering = renderVideo(corpus.truncatedFaststart, probe, dir, { hls: true, onRendition: (r) => published.push(r.name) });
    await assertFails(rendering, 'truncated', /^the file is truncated: only 1\.6 s of 4\.0 s could be decoded$/);
    assert.deepEqual(published, []);
    assert.deepEqual(await readdir(dir), []);
  });

  test('a truncated master is caught by the encodes alone, too (poster and waveform already made)', async () => {
    const dir = await outDir();
    const skip = new Set(['poster', 'waveform', 'waveform-peaks']);
    const rendering = renderVideo(corpus.truncatedFaststart, await probeMedia(corpus.truncatedFaststart), dir, { skip });
    await assertFails(rendering, 'truncated', /^the file is truncated: only 1\.6 s of 4\.0 s could be decoded$/);
    assert.deepEqual(await readdir(dir), []);
  });

  test('limits on duration and pixels are checked before any work', async () => {
    const probe = await probeMedia(corpus.video1080p);
    const dir = await outDir();
    await assertFails(renderVideo(corpus.video1080p, probe, dir, { maxDurationSeconds: 2 }), 'too-long', /lasts 4 s, longer than the 2 s limit/);
    await assertFails(renderVideo(corpus.video1080p, probe, dir, { maxPixels: 1280 * 720 }), 'too-large', /1920×1080, more than the 921600-pixel limit/);
    assert.deepEqual(await readdir(dir), []);
  });

  test('the timeout kills ffmpeg and cleans up', async () => {
    const dir = await outDir();
    const probe = await probeMedia(corpus.video1080p);
    await assertFails(renderVideo(corpus.video1080p, probe, dir, { timeoutMs: 200 }), 'timeout', /^processing took longer than the 0.2 s limit$/, false);
    await assertNoTemporaryFiles(dir);
  });

  test('aborting rejects with the abort reason', async () => {
    const dir = await outDir();
    const probe = await probeMedia(corpus.video1080p);
    const controller = new AbortController();
    const rendering = renderVideo(corpus.video1080p, probe, dir, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('asset deleted')), 100);
    await assert.rejects(rendering, /asset deleted/);
    await assertNoTemporaryFiles(dir);
  });

  test('an audio file is not a video', async () => {
    await assertFails(renderVideo(corpus.mp3, await probeMedia(corpus.mp3), await outDir()), 'unsupported', /not a video file \(detected audio\)/);
  });
});

describe('video planning', () => {
  test('fitWithin keeps orientation and aspect, never enlarges, and rounds to even sides', () => {
    assert.deepEqual(fitWithin(3840, 2160, 1280, 720), { width: 1280, height: 720 });
    assert.deepEqual(fitWithin(1080, 1920, 1280, 720), { width: 720, height: 1280 });
    assert.deepEqual(fitWithin(854, 480, 1920, 1080), { width: 854, height: 480 });
    assert.deepEqual(fitWithin(4096, 1080, 1920, 1080), { width: 1920, height: 506 });
    assert.deepEqual(fitWithin(641, 361, 1280, 720), { width: 642, height: 362 });
  });

  test('outputFrameRate: constant rates pass, variable rates snap to a broadcast rate, high rates halve', () => {
    const video = (frameRate: number, frameRateRational: string, variableFrameRate = false) =>
      ({ frameRate, frameRateRational, variableFrameRate }) as Parameters<typeof outputFrameRate>[0];
    assert.equal(outputFrameRate(video(29.97, '30000/1001')), undefined);
    assert.equal(outputFrameRate(video(29.4, '2940/100', true)), '30000/1001');
    assert.equal(outputFrameRate(video(119.88, '120000/1001')), '120000/2002');
    assert.equal(outputFrameRate(video(240, '240/1')), '240/4');
  });

  test('sprite layout: at most 100 tiles in rows of 10, one cue per tile', () => {
    const landscape = { displayWidth: 1920, displayHeight: 1080 };
    assert.deepEqual(spriteLayout(4, landscape), { interval: 1, count: 4, columns: 4, rows: 1, tileWidth: 160, tileHeight: 90 });
    assert.deepEqual(spriteLayout(3600, landscape), { interval: 36, count: 100, columns: 10, rows: 10, tileWidth: 160, tileHeight: 90 });
    assert.deepEqual(spriteLayout(0.4, { displayWidth: 720, displayHeight: 1280 }).count, 1);
    const vtt = spriteVtt(spriteLayout(3661, landscape), 3661, 'sprite.jpg');
    // 3661 s: a tile every 37 s, 99 tiles; the last (column 9, row 10) runs to the end.
    assert.equal(vtt.match(/-->/g)!.length, 99);
    assert.ok(vtt.endsWith('01:00:26.000 --> 01:01:01.000\nsprite.jpg#xywh=1280,810,160,90\n'));
  });

  test('playlistSeconds adds up the segments', () => {
    assert.equal(playlistSeconds('#EXTM3U\n#EXTINF:4.000000,\nsegment-000.ts\n#EXTINF:1.500000,\nsegment-001.ts\n#EXT-X-ENDLIST\n'), 5.5);
  });

  test('HLS ladder: 360p and 720p, fewer rungs for small sources', () => {
    assert.deepEqual(hlsLadder({ displayWidth: 1920, displayHeight: 1080 }).map((rung) => rung.name), ['360p', '720p']);
    assert.deepEqual(hlsLadder({ displayWidth: 1080, displayHeight: 1920 }).map((rung) => [rung.width, rung.height]), [[360, 640], [720, 1280]]);
    assert.deepEqual(hlsLadder({ displayWidth: 640, displayHeight: 360 }).map((rung) => rung.name), ['360p']);
  });

  test('posterScore prefers contrast and discounts black frames', () => {
    const flat = new Uint8Array(64).fill(128);
    const black = Uint8Array.from({ length: 64 }, (_, i) => (i % 2 ? 20 : 0));
    const busy = Uint8Array.from({ length: 64 }, (_, i) => (i % 2 ? 200 : 40));
    assert.equal(posterScore(flat), 0);
    assert.ok(posterScore(busy) > posterScore(black));
    assert.ok(posterScore(black) < 10 / 4 + 0.01);
  });
});
