// Audio renditions: an MP3 preview every browser plays, and the waveform (PNG + peaks JSON).
import { DEFAULT_LIMITS, MediaError, type MediaLimits, type RenderCallbacks, RenderJob, type RenderResult, type SkippedRendition } from './ffmpeg.ts';
import { type AudioStreamInfo, type MediaProbe, mediaDurationSeconds } from './probe.ts';
import { renderWaveform } from './waveform.ts';

export interface AudioRenderOptions extends RenderCallbacks, Pick<MediaLimits, 'maxDurationSeconds'> {
  /** rendition names that already exist; the waveform group is skipped when both of its names are here */
  skip?: ReadonlySet<string>;
}

export const AUDIO_RENDITION_GROUPS = {
  preview: ['preview'],
  waveform: ['waveform', 'waveform-peaks'],
} as const;

// Rates MP3 (MPEG-1 layer III) can carry; anything else is resampled to 44.1 or 48 kHz.
const MP3_RATES = [32000, 44100, 48000];

/** Renders an audio master (or the audio of any file with an audio stream) into outDir. */
export async function renderAudio(file: string, probe: MediaProbe, outDir: string, options: AudioRenderOptions = {}): Promise<RenderResult> {
  const audio = probe.audio;
  if (!audio) throw new MediaError('no-media-stream', 'the file has no audio stream');
  const duration = probe.durationSeconds ?? audio.durationSeconds;
  if (!duration) throw new MediaError('unreadable', 'the audio does not say how long it is');
  const { maxDurationSeconds } = { ...DEFAULT_LIMITS, ...options };
  if (duration > maxDurationSeconds) {
    throw new MediaError('too-long', `the audio lasts ${Math.round(duration)} s, longer than the ${maxDurationSeconds} s limit`);
  }

  const skipped: SkippedRendition[] = [];
  const wanted = (names: readonly string[]) => {
    if (!names.every((name) => options.skip?.has(name))) return true;
    skipped.push(...names.map((name) => ({ name, reason: 'already rendered (skipped on request)' })));
    return false;
  };
  const job = await RenderJob.start(outDir, options, { file, durationSeconds: duration, durationEstimated: probe.durationEstimated });
  try {
    if (wanted(AUDIO_RENDITION_GROUPS.waveform)) await renderWaveform(job, file, audio, duration, job.declaredSeconds);
    if (wanted(AUDIO_RENDITION_GROUPS.preview)) await renderPreview(job, file, audio, duration);
    return { renditions: job.renditions, skipped };
  } finally {
    await job.close();
  }
}

async function renderPreview(job: RenderJob, file: string, audio: AudioStreamInfo, duration: number): Promise<void> {
  const sampleRate = MP3_RATES.includes(audio.sampleRate) ? audio.sampleRate : audio.sampleRate > 44100 ? 48000 : 44100;
  await job.run(
    'preview',
    [
      ...['-threads', String(job.threads), '-i', file, '-map', `0:${audio.index}`],
      ...['-c:a', 'libmp3lame', '-b:a', '128k', '-ac', String(Math.min(2, audio.channels || 2)), '-ar', String(sampleRate)],
      ...['-map_metadata', '-1', '-map_chapters', '-1', job.tmp('preview.mp3')],
    ],
    { durationSeconds: duration },
  );
  const durationSeconds = await mediaDurationSeconds(job.tmp('preview.mp3'));
  job.assertComplete(durationSeconds, job.declaredSeconds);
  await job.publish('preview.mp3', { name: 'preview', contentType: 'audio/mpeg', durationSeconds });
}
