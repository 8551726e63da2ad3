import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { runFfmpeg } from './ffmpeg.ts';
import { extractKeyframes, parseFrameTimes } from './keyframes.ts';

describe('extractKeyframes', () => {
  let dir: string;
  let threeScenes: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediateca-keyframes-'));
    threeScenes = join(dir, 'three-scenes.mp4');
    // 3 s of test pattern, 3 s of red, 3 s of colour bars: two scene changes, at 3 s and 6 s
    await runFfmpeg([
      '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25:duration=3', '-f', 'lavfi', '-i', 'color=c=red:size=640x360:rate=25:duration=3',
      '-f', 'lavfi', '-i', 'smptebars=size=640x360:rate=25:duration=3', '-filter_complex', '[0][1][2]concat=n=3:v=1[v]', '-map', '[v]',
      '-c:v', 'libx264', '-preset', 'ultrafast', threeScenes,
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const outDir = async (name: string) => {
    const path = join(dir, name);
    await mkdir(path);
    return path;
  };

  test('the first frame and each scene change, as JPEGs with their times', async () => {
    const frames = await extractKeyframes(threeScenes, 9, await outDir('all'));
    assert.deepEqual(frames.map((f) => f.time), [0, 3, 6]);
    const red = await sharp(frames[1]!.file).stats();
    assert.ok(red.channels[0]!.mean > 200 && red.channels[1]!.mean < 60, 'the second key frame is the red scene');
    assert.deepEqual(await sharp(frames[0]!.file).metadata().then((m) => [m.format, m.width, m.height]), ['jpeg', 640, 360]);
  });

  test('at most maxFrames, spread over the clip', async () => {
    const frames = await extractKeyframes(threeScenes, 9, await outDir('two'), { maxFrames: 2 });
    assert.deepEqual(frames.map((f) => f.time), [0, 6], 'a scene change closer than duration / maxFrames to the last key frame is skipped');
  });

  test('large frames are scaled down to the long side', async () => {
    const frames = await extractKeyframes(threeScenes, 9, await outDir('small'), { longSide: 320 });
    assert.deepEqual(await sharp(frames[0]!.file).metadata().then((m) => [m.width, m.height]), [320, 180]);
  });

  test('parses the metadata filter output', () => {
    assert.deepEqual(parseFrameTimes('frame:0    pts:0       pts_time:0\nlavfi.scene_score=0\nframe:1    pts:38400   pts_time:3.04\nlavfi.scene_score=0.69\n'), [0, 3.04]);
    assert.deepEqual(parseFrameTimes(''), []);
  });
});
