import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type MediaCorpus, mediaCorpus } from '../../test/support/media-corpus.ts';
import { MediaError } from './ffmpeg.ts';
import { probeMedia, wavDeclaredSeconds } from './probe.ts';

let corpus: MediaCorpus;
before(async () => {
  corpus = await mediaCorpus();
});

describe('probeMedia', () => {
  test('1080p30 H.264 + AAC MP4: container, streams, creation time', async () => {
    const probe = await probeMedia(corpus.video1080p);
    assert.equal(probe.kind, 'video');
    assert.match(probe.format, /mp4/);
    assert.ok(Math.abs(probe.durationSeconds! - 4) < 0.1, `duration ${probe.durationSeconds}`);
    assert.ok(probe.bitRate! > 0);
    assert.equal(probe.creationTime, '2024-05-01T10:00:00.000Z');
    const video = probe.video!;
    assert.equal(video.codec, 'h264');
    assert.ok(video.profile);
    assert.deepEqual([video.width, video.height, video.displayWidth, video.displayHeight], [1920, 1080, 1920, 1080]);
    assert.equal(video.displayAspectRatio, '16:9');
    assert.equal(video.frameRate, 30);
    assert.equal(video.frameRateRational, '30/1');
    assert.equal(video.variableFrameRate, false);
    assert.equal(video.pixelFormat, 'yuv420p');
    assert.equal(video.bitDepth, 8);
    assert.equal(video.rotation, 0);
    assert.equal(video.interlaced, false);
    assert.equal(video.hdr, false);
    const audio = probe.audio!;
    assert.deepEqual([audio.codec, audio.channels, audio.channelLayout, audio.sampleRate], ['aac', 2, 'stereo', 48000]);
    assert.ok(audio.bitRate! > 0);
    assert.equal(probe.audioStreamCount, 1);
  });

  test('480p VP9 + Opus WebM', async () => {
    const probe = await probeMedia(corpus.webm480p);
    assert.equal(probe.kind, 'video');
    assert.match(probe.format, /webm/);
    assert.deepEqual([probe.video!.codec, probe.video!.width, probe.video!.height, probe.video!.frameRate], ['vp9', 854, 480, 25]);
    assert.equal(probe.audio!.codec, 'opus');
  });

  test('a phone video with a 90° display matrix reports its upright display size', async () => {
    const probe = await probeMedia(corpus.portrait);
    const video = probe.video!;
    assert.equal(video.rotation, 90);
    assert.deepEqual([video.width, video.height], [1280, 720]);
    assert.deepEqual([video.displayWidth, video.displayHeight], [720, 1280]);
  });

  test('variable frame rate is hinted, with the average rate', async () => {
    const video = (await probeMedia(corpus.vfr)).video!;
    assert.equal(video.variableFrameRate, true);
    assert.ok(video.frameRate! > 20 && video.frameRate! < 25, `average ${video.frameRate}`);
  });

  test('HDR (HLG, 10-bit HEVC) is flagged', async () => {
    const video = (await probeMedia(corpus.hdr)).video!;
    assert.deepEqual([video.codec, video.bitDepth, video.pixelFormat, video.hdr], ['hevc', 10, 'yuv420p10le', true]);
  });

  test('video without audio', async () => {
    const probe = await probeMedia(corpus.noAudio);
    assert.equal(probe.kind, 'video');
    assert.equal(probe.audio, undefined);
    assert.equal(probe.audioStreamCount, 0);
  });

  test('timecode from a MOV timecode track', async () => {
    const probe = await probeMedia(corpus.timecodeMov);
    assert.equal(probe.timecode, '10:00:00:00');
    assert.match(probe.format, /mov/);
    assert.equal(probe.audio!.codec, 'pcm_s16le');
  });

  test('audio-only files are kind audio', async () => {
    for (const [file, codec, channels, sampleRate] of [
      [corpus.wav, 'pcm_s16le', 2, 44100],
      [corpus.mp3, 'mp3', 1, 44100],
      [corpus.flac, 'flac', 2, 48000],
    ] as const) {
      const probe = await probeMedia(file);
      assert.equal(probe.kind, 'audio', file);
      assert.equal(probe.video, undefined);
      assert.deepEqual([probe.audio!.codec, probe.audio!.channels, probe.audio!.sampleRate], [codec, channels, sampleRate]);
      assert.ok(probe.durationSeconds! > 2.9, `${file} lasts ${probe.durationSeconds}`);
    }
  });

  test('the duration a file declares: a truncated WAV still says 4 s, an MP3 without a header is only an estimate', async () => {
    const wav = await probeMedia(corpus.truncatedWav);
    assert.equal(wav.durationSeconds, 4, 'from the data chunk size in the RIFF header');
    assert.equal(wav.durationEstimated, undefined);
    assert.equal((await probeMedia(corpus.truncatedMp3)).durationSeconds, 4.04898, 'from the Xing header');
    assert.equal((await probeMedia(corpus.mp3)).durationEstimated, undefined);
    assert.equal((await probeMedia(corpus.mp3WithoutHeader)).durationEstimated, true);
    assert.equal(await wavDeclaredSeconds(corpus.wav), 4);
    assert.equal(await wavDeclaredSeconds(corpus.mp3), undefined);
  });

  test('bad files throw MediaError with a readable reason', async () => {
    const cases = [
      [corpus.empty, 'empty', /^file is empty$/],
      [corpus.truncated, 'truncated', /^the file is truncated: the MP4 ends before its index \(moov atom\), so none of it can be decoded$/],
      [corpus.randomBytes, 'unreadable', /^ffprobe could not read the file: \S/],
      [corpus.textAsMp3, 'unreadable', /^ffprobe could not read the file: \S/],
    ] as const;
    for (const [file, code, reason] of cases) {
      await assert.rejects(probeMedia(file), (error: unknown) => {
        assert.ok(error instanceof MediaError, `${file}: ${error}`);
        assert.equal(error.code, code, file);
        assert.equal(error.permanent, true);
        assert.match(error.reason, reason);
        assert.doesNotMatch(error.reason, /0x[0-9a-f]{6,}/, 'no pointer noise from ffmpeg');
        return true;
      });
    }
  });
});
