// Audio waveform: min/max peaks from one low-rate mono PCM decode, as JSON for interactive players and
// as a PNG for lists and previews. Both come from the same peaks, so they always agree.
import { writeFile } from 'node:fs/promises';
import type { Rendition, RenderJob } from './ffmpeg.ts';
import type { AudioStreamInfo } from './probe.ts';

/** min/max pairs in waveform.json (and columns in waveform.png) */
export const WAVEFORM_POINTS = 1600;
export const WAVEFORM_SIZE = { width: WAVEFORM_POINTS, height: 240 };
// 8 kHz keeps the decode cheap and the peaks faithful enough for display.
const SAMPLE_RATE = 8000;
const COLOUR = [37, 99, 235, 255];

export interface WaveformPeaks {
  version: 1;
  /** number of min/max pairs; pair i covers [i, i + 1) × durationSeconds / length */
  length: number;
  durationSeconds: number;
  /** min0, max0, min1, max1, … normalised to -1..1 */
  data: number[];
}

/**
 * Folds a stream of 16-bit samples of unknown length into `points` min/max pairs of (nearly) equal span.
 * It keeps up to 16 fine buckets per point; when they fill up, neighbours merge and each bucket spans twice
 * as many samples. At the end the fine buckets are grouped into the points.
 */
export class PeakAccumulator {
  private readonly capacity: number;
  private readonly minimums: Float32Array;
  private readonly maximums: Float32Array;
  private bucketSize = 1;
  private buckets = 0;
  private inBucket = 0;
  private samples = 0;

  constructor(private readonly points: number) {
    this.capacity = points * 16;
    this.minimums = new Float32Array(this.capacity).fill(Infinity);
    this.maximums = new Float32Array(this.capacity).fill(-Infinity);
  }

  push(samples: Int16Array): void {
    for (const sample of samples) {
      if (this.buckets === this.capacity) this.mergeNeighbours();
      const value = sample / 32768;
      const bucket = this.buckets;
      if (value < this.minimums[bucket]!) this.minimums[bucket] = value;
      if (value > this.maximums[bucket]!) this.maximums[bucket] = value;
      this.samples++;
      if (++this.inBucket === this.bucketSize) {
        this.buckets++;
        this.inBucket = 0;
      }
    }
  }

  result(sampleRate: number): WaveformPeaks {
    const filled = this.buckets + (this.inBucket > 0 ? 1 : 0);
    const length = Math.min(this.points, filled);
    const data: number[] = [];
    for (let point = 0; point < length; point++) {
      let min = Infinity;
      let max = -Infinity;
      for (let bucket = Math.floor((point * filled) / length); bucket < Math.floor(((point + 1) * filled) / length); bucket++) {
        min = Math.min(min, this.minimums[bucket]!);
        max = Math.max(max, this.maximums[bucket]!);
      }
      data.push(round(min), round(max));
    }
    return { version: 1, length, durationSeconds: this.samples / sampleRate, data };
  }

  private mergeNeighbours(): void {
    const half = this.capacity / 2;
    for (let i = 0; i < half; i++) {
      this.minimums[i] = Math.min(this.minimums[2 * i]!, this.minimums[2 * i + 1]!);
      this.maximums[i] = Math.max(this.maximums[2 * i]!, this.maximums[2 * i + 1]!);
    }
    this.minimums.fill(Infinity, half);
    this.maximums.fill(-Infinity, half);
    this.buckets = half;
    this.bucketSize *= 2;
  }
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** Draws the peaks as a transparent PNG: one column per pixel, mirrored around the centre line. */
export async function waveformPng(peaks: WaveformPeaks, { width, height } = WAVEFORM_SIZE): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const pixels = Buffer.alloc(width * height * 4);
  const half = (height - 1) / 2;
  for (let x = 0; x < width && peaks.length > 0; x++) {
    const point = Math.min(peaks.length - 1, Math.floor((x * peaks.length) / width));
    const top = Math.round(half * (1 - peaks.data[2 * point + 1]!));
    const bottom = Math.round(half * (1 - peaks.data[2 * point]!));
    for (let y = Math.min(top, bottom); y <= Math.max(top, bottom); y++) pixels.set(COLOUR, (y * width + x) * 4);
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/**
 * Decodes the audio stream to low-rate mono PCM and publishes `waveform` (PNG) and `waveform-peaks` (JSON).
 * The decode covers the whole stream, so it also tells whether the stream is all there: fewer seconds than
 * `declaredSeconds` fails the job as truncated before anything is published.
 */
export async function renderWaveform(job: RenderJob, file: string, audio: AudioStreamInfo, durationSeconds: number, declaredSeconds: number | undefined): Promise<Rendition[]> {
  const accumulator = new PeakAccumulator(WAVEFORM_POINTS);
  let oddByte: Buffer | undefined;
  const args = ['-threads', String(job.threads), '-i', file, '-map', `0:${audio.index}`, '-ac', '1', '-ar', String(SAMPLE_RATE)];
  await job.run('waveform', [...args, '-c:a', 'pcm_s16le', '-f', 's16le', 'pipe:1'], {
    durationSeconds,
    onStdout: (chunk) => {
      // Pipe chunks may split a sample in two; carry the odd byte over.
      const bytes = oddByte ? Buffer.concat([oddByte, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % 2);
      oddByte = whole < bytes.length ? bytes.subarray(whole) : undefined;
      const aligned = Buffer.from(bytes.subarray(0, whole));
      accumulator.push(new Int16Array(aligned.buffer, aligned.byteOffset, whole / 2));
    },
  });
  const peaks = accumulator.result(SAMPLE_RATE);
  job.assertComplete(peaks.durationSeconds, declaredSeconds);
  await writeFile(job.tmp('waveform.json'), JSON.stringify(peaks));
  await writeFile(job.tmp('waveform.png'), await waveformPng(peaks));
  const duration = { durationSeconds: peaks.durationSeconds };
  return [
    await job.publish('waveform.png', { name: 'waveform', contentType: 'image/png', ...WAVEFORM_SIZE, ...duration }),
    await job.publish('waveform.json', { name: 'waveform-peaks', contentType: 'application/json', ...duration }),
  ];
}
