// What every engine adapter shares: the file's audio as a 16 kHz mono 16-bit WAV in a temporary folder,
// a time limit proportional to the duration, running the engine's program under that limit, finding it.
import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MediaError, defaultTimeoutMs, runFfmpeg } from '../../media/ffmpeg.ts';
import { probeMedia } from '../../media/probe.ts';

export interface SpeechWork {
  /** the 16 kHz mono s16 WAV of the file's first audio stream */
  wav: string;
  /** a private temporary folder, removed with the WAV */
  dir: string;
  durationSeconds: number;
  /** aborts on the caller's signal or when the time limit passes */
  signal: AbortSignal;
}

/**
 * Converts the file's first audio stream to the WAV every engine reads, runs `work` on it, and removes the
 * temporary folder afterwards, also on failure. The whole call gets defaultTimeoutMs of the duration
 * (two minutes plus ten times the duration), enough for a CPU Whisper model; only a stuck engine meets it.
 */
export async function withSpeechWav<T>(file: string, signal: AbortSignal | undefined, work: (input: SpeechWork) => Promise<T>): Promise<T> {
  const probe = await probeMedia(file);
  const audio = probe.audio;
  if (!audio) throw new MediaError('no-media-stream', 'the file has no audio stream: there is no speech to transcribe');
  const durationSeconds = probe.durationSeconds ?? audio.durationSeconds;
  if (durationSeconds === undefined) throw new MediaError('unreadable', 'the audio does not say how long it is');

  const timeoutMs = defaultTimeoutMs(durationSeconds);
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new MediaError('timeout', `speech recognition took longer than the ${timeoutMs / 1000} s limit`, false)),
    timeoutMs,
  );
  const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
  const dir = await mkdtemp(join(tmpdir(), 'mediateca-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    await runFfmpeg(
      ['-i', file, '-map', `0:${audio.index}`, '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-map_metadata', '-1', wav],
      { durationSeconds, signal: combined },
    );
    return await work({ wav, dir, durationSeconds, signal: combined });
  } finally {
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs an engine's program and resolves its stdout; aborting kills it. A failure quotes its last error line. */
export function runSpeechEngine(engine: string, command: string, args: string[], signal: AbortSignal): Promise<string> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: string[] = [];
    let settled = false;
    const finish = (error: unknown, output?: string) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(output!);
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      // the last lines say why it failed; the first ones are start-up chatter
      stderr.push(...text.split('\n').filter((line) => line.trim()));
      stderr.splice(0, Math.max(0, stderr.length - 20));
    });
    child.on('error', (error) => finish(new MediaError('environment', `${engine} could not be started (${command}): ${error.message}`, false)));
    child.on('close', (code, killedBy) => {
      if (code === 0) return finish(undefined, Buffer.concat(stdout).toString('utf8'));
      const why = killedBy ? `killed by ${killedBy}` : `exit code ${code}`;
      const message = [...stderr].reverse().find((line) => /error/i.test(line)) ?? stderr.at(-1);
      finish(new Error(`${engine} failed (${why}): ${message?.trim() ?? 'no message'}`));
    });
  });
}

/** The program's path: `name` itself when it has a slash, else the first executable match on the search path (PATH's format). */
export async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  const candidates = name.includes('/') ? [name] : searchPath.split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** Whether every path can be read. */
export const readable = async (...paths: string[]): Promise<boolean> =>
  (await Promise.all(paths.map((path) => access(path, constants.R_OK).then(() => true, () => false)))).every(Boolean);
