import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidMetadata, checkMetadata } from './metadata.ts';

// shapes as the producers write them: shared/media/image.ts inspectImage, shared/media/probe.ts probeMedia
// (+ transcode's note), transcode's {contentType,size} for other files, enrich's aiMetadata
const image = {
  format: 'jpeg', width: 4000, height: 3000, displayWidth: 3000, displayHeight: 4000, orientation: 6, colourSpace: 'srgb', channels: 3, bitDepth: 'uchar',
  hasAlpha: false, hasIccProfile: true,
  exif: { capturedAt: '2024-05-01T10:00:00', make: 'Canon', model: 'EOS R5', exposureTime: 0.004, fNumber: 2.8, iso: 200, focalLength: 35, gps: { latitude: 40.4, longitude: -3.7 } },
};
const video = {
  kind: 'video', format: 'mov,mp4,m4a,3gp,3g2,mj2', formatLongName: 'QuickTime / MOV', sizeBytes: 123456, durationSeconds: 12.5, bitRate: 800000,
  creationTime: '2024-05-01T10:00:00.000Z', timecode: '10:00:00:00',
  video: { index: 0, codec: 'h264', profile: 'High', width: 1920, height: 1080, displayWidth: 1920, displayHeight: 1080, frameRate: 25, frameRateRational: '25/1', variableFrameRate: false, pixelFormat: 'yuv420p', bitDepth: 8, rotation: 0, interlaced: false, hdr: false },
  audio: { index: 1, codec: 'aac', channels: 2, channelLayout: 'stereo', sampleRate: 48000 },
  audioStreamCount: 1, tags: { encoder: 'Lavf60' },
};
const audioAsVideo = { kind: 'audio', format: 'wav', sizeBytes: 4410, durationSeconds: 1, durationEstimated: true, audio: { index: 0, codec: 'pcm_s16le', channels: 1, sampleRate: 44100 }, audioStreamCount: 1, tags: {}, note: 'uploaded as video but the file is audio: rendered as audio' };
const ai = {
  ocr: { text: 'SALIDA\nEXIT', languages: ['spa', 'eng'], frames: [{ time: 1.5, text: 'SALIDA' }, { text: 'EXIT' }] },
  transcript: { engine: 'pocketsphinx', language: 'en', text: 'hello world', segments: [{ start: 0, end: 1.2, text: 'hello world', confidence: 0.8, words: [{ word: 'hello', start: 0, end: 0.5 }] }] },
  parts: {
    objects: { status: 'done', model: 'human/centernet-coco', ms: 812 },
    faces: { status: 'skipped', reason: 'no image to look at (no preview rendition)' },
    speech: { status: 'unavailable', reason: 'no speech engine installed' },
    embedding: { status: 'failed', reason: 'CLIP model "x" makes 768-d vectors' },
  },
  keyframes: [0, 3.2, null],
};

function refusal(kind: 'technical' | 'ai', data: unknown): string {
  try {
    checkMetadata(kind, data);
  } catch (error) {
    assert.ok(error instanceof InvalidMetadata);
    return error.message;
  }
  assert.fail('accepted');
}

describe('technical metadata', () => {
  test('what transcode writes for an image, a video, a sound uploaded as video and any other file is valid', () => {
    for (const data of [image, video, audioAsVideo, { contentType: 'application/pdf', size: 1024 }, { width: 4000, height: 3000 }]) checkMetadata('technical', data);
  });

  test('a wrong field is refused with its path', () => {
    assert.match(refusal('technical', { ...video, video: { ...video.video, width: '1920' } }), /technical\.video\.width: Invalid type: Expected number/);
    assert.match(refusal('technical', { ...image, exif: { ...image.exif, gps: { latitude: 'north', longitude: 1 } } }), /technical\.exif\.gps\.latitude/);
    assert.match(refusal('technical', { ...video, kind: 'movie' }), /technical\.kind/);
    assert.match(refusal('technical', { contentType: 'application/pdf', size: '1 KB' }), /technical\.size/);
    assert.match(refusal('technical', { ...video, tags: { encoder: 1 } }), /technical\.tags\.encoder/);
  });
});

describe('AI metadata', () => {
  test("what enrich writes is valid: all parts, none, and an older entry's short OCR and transcript", () => {
    checkMetadata('ai', ai);
    checkMetadata('ai', { parts: {} });
    checkMetadata('ai', { ocr: { text: 'rótulo' }, transcript: { text: 'hola' } });
  });

  test('a wrong field is refused with its path', () => {
    assert.match(refusal('ai', { ...ai, parts: { ...ai.parts, ocr: { status: 'maybe' } } }), /ai\.parts\.ocr\.status/);
    assert.match(refusal('ai', { ...ai, ocr: { ...ai.ocr, frames: [{ time: 'late', text: 'x' }] } }), /ai\.ocr\.frames\.0\.time/);
    assert.match(refusal('ai', { ...ai, transcript: { text: 'x', segments: [{ start: 0, text: 'x' }] } }), /ai\.transcript\.segments\.0\.end/);
    assert.match(refusal('ai', { ...ai, keyframes: ['0'] }), /ai\.keyframes\.0/);
  });
});
