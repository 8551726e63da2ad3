import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { PeakAccumulator, waveformPng } from './waveform.ts';

describe('PeakAccumulator', () => {
  test('one pair per sample while there are fewer samples than points', () => {
    const peaks = new PeakAccumulator(10);
    peaks.push(Int16Array.from([16384, -32768]));
    peaks.push(Int16Array.from([100]));
    const result = peaks.result(8000);
    assert.equal(result.length, 3);
    assert.deepEqual(result.data, [0.5, 0.5, -1, -1, 0.003, 0.003]);
    assert.equal(result.durationSeconds, 3 / 8000);
  });

  test('any length folds into exactly `points` pairs of equal span, normalised to -1..1', () => {
    // 2 points over 1000 samples: a loud burst in the second half only.
    const samples = new Int16Array(1000);
    samples[700] = 32767;
    samples[701] = -32768;
    samples[10] = 1000;
    const peaks = new PeakAccumulator(2);
    for (let offset = 0; offset < samples.length; offset += 77) peaks.push(samples.subarray(offset, offset + 77));
    const result = peaks.result(1000);
    assert.equal(result.length, 2);
    assert.deepEqual(result.data, [0, 0.031, -1, 1]);
    assert.equal(result.durationSeconds, 1);
  });

  test('the number of pairs does not depend on the length', () => {
    for (const length of [1600, 4000, 123_457]) {
      const peaks = new PeakAccumulator(1600);
      peaks.push(new Int16Array(length));
      assert.equal(peaks.result(8000).length, 1600, `${length} samples`);
    }
  });
});

describe('waveformPng', () => {
  test('draws each peak as a column around the centre line', async () => {
    const png = await waveformPng(
      { version: 1, length: 2, durationSeconds: 1, data: [0, 0, -1, 1] },
      { width: 4, height: 9 },
    );
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [4, 9, 4]);
    const opaque = (x: number, y: number) => data[(y * 4 + x) * 4 + 3] === 255;
    // Left half: silence, only the centre row. Right half: full scale, every row.
    assert.deepEqual([...Array(9).keys()].map((y) => opaque(0, y)), [false, false, false, false, true, false, false, false, false]);
    assert.ok([...Array(9).keys()].every((y) => opaque(3, y)));
  });
});
