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
  /** PCM rate the peaks were taken from */
  sampleRate: number;
  samplesPerPeak: number;
  /** number of min/max pairs */
  length: number;
  durationSeconds: number;
  /** min0, max0, min1, max1, … normalised to -1..1 */
  data: number[];
}

/** Folds a stream of 16-bit samples into at most `points` min/max pairs. */
export class PeakAccumulator {
  private readonly minimums: Float32Array;
  private readonly maximums: Float32Array;
  private samples = 0;

  constructor(
    private readonly points: number,
    readonly samplesPerPeak: number,
  ) {
    this.minimums = new Float32Array(points).fill(Infinity);
    this.maximums = new Float32Array(points).fill(-Infinity);
  }

  push(samples: Int16Array): void {
    for (const sample of samples) {
      // An estimate of the length that ran short folds the surplus into the last peak.
      const point = Math.min(this.points - 1, Math.floor(this.samples / this.samplesPerPeak));
      const value = sample / 32768;
      if (value < this.minimums[point]!) this.minimums[point] = value;
      if (value > this.maximums[point]!) this.maximums[point] = value;
      this.samples++;
    }
  }

  result(sampleRate: number): WaveformPeaks {
    const length = Math.min(this.points, Math.ceil(this.samples / this.samplesPerPeak));
    const data: number[] = [];
    for (let point = 0; point < length; point++) data.push(round(this.minimums[point]!), round(this.maximums[point]!));
    return { version: 1, sampleRate, samplesPerPeak: this.samplesPerPeak, length, durationSeconds: this.samples / sampleRate, data };
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

/** Decodes the audio stream to low-rate mono PCM and publishes `waveform` (PNG) and `waveform-peaks` (JSON). */
export async function renderWaveform(job: RenderJob, file: string, audio: AudioStreamInfo, durationSeconds: number): Promise<Rendition[]> {
  const expectedSamples = Math.max(1, Math.ceil(durationSeconds * SAMPLE_RATE));
  const accumulator = new PeakAccumulator(WAVEFORM_POINTS, Math.max(1, Math.ceil(expectedSamples / WAVEFORM_POINTS)));
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
  await writeFile(job.tmp('waveform.json'), JSON.stringify(peaks));
  await writeFile(job.tmp('waveform.png'), await waveformPng(peaks));
  const duration = { durationSeconds: peaks.durationSeconds };
  return [
    await job.publish('waveform.png', { name: 'waveform', contentType: 'image/png', ...WAVEFORM_SIZE, ...duration }),
    await job.publish('waveform.json', { name: 'waveform-peaks', contentType: 'application/json', ...duration }),
  ];
}
