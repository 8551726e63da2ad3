// A small corpus of test media, generated with ffmpeg's lavfi sources (nothing downloaded, nothing committed).
// Generated once into the temp folder under a name derived from the recipes, so every test file of a run
// (and later runs) reuses it; changing a recipe generates a fresh corpus.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath, ffprobePath } from '../../shared/media/ffmpeg.ts';

const run = promisify(execFile);

const FAST_H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
const tone = (frequency: number, seconds: number, rate = 48000) => ['-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=${rate}:duration=${seconds}`];
const pattern = (size: string, rate: number, seconds: number, extra = '') =>
  ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}${extra}`];

/** ffmpeg arguments (inputs and output options) per corpus file; the output path is appended. */
const RECIPES = {
  /** 1080p30 H.264 + stereo AAC, 4 s, with a creation time */
  'h264-1080p30.mp4': [
    ...pattern('1920x1080', 30, 4), ...tone(440, 4),
    ...FAST_H264, '-c:a', 'aac', '-ac', '2', '-metadata', 'creation_time=2024-05-01T10:00:00.000000Z', '-shortest',
  ],
  /** 480p VP9 + Opus WebM, 3 s */
  'vp9-480p.webm': [
    ...pattern('854x480', 25, 3), ...tone(550, 3),
    '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k', '-c:a', 'libopus', '-shortest',
  ],
  /** stored landscape, left half white; the remux below tags it to be turned 90° clockwise (a phone held upright) */
  'portrait-unrotated.mp4': [
    '-f', 'lavfi', '-i', 'color=black:size=1280x720:rate=30:duration=3,drawbox=x=0:y=0:w=640:h=720:color=white:t=fill', ...tone(330, 3),
    ...FAST_H264, '-c:a', 'aac', '-shortest',
  ],
  /** 2 s at 30 fps then 2 s at 15 fps */
  'vfr.mp4': [...pattern('640x360', 30, 3), '-vf', "setpts='if(lt(N,60),N/30,2+(N-60)/15)/TB'", '-fps_mode', 'vfr', ...FAST_H264],
  'no-audio.mp4': [...pattern('1280x720', 30, 3), ...FAST_H264],
  /** the first 2 s are black: the poster must come from later */
  'black-start.mp4': [
    ...pattern('1280x720', 30, 5, ",drawbox=color=black:t=fill:enable='lt(t,2)'"), ...tone(440, 5),
    ...FAST_H264, '-c:a', 'aac', '-shortest',
  ],
  'timecode.mov': [...pattern('640x360', 25, 3), ...tone(440, 3), ...FAST_H264, '-c:a', 'pcm_s16le', '-timecode', '10:00:00:00', '-shortest'],
  /** HLG (iPhone-style HDR): 10-bit HEVC tagged BT.2020 + ARIB STD-B67 */
  'hlg-hdr.mp4': [
    ...pattern('640x360', 25, 2), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p10le',
    '-color_primaries', 'bt2020', '-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc', '-tag:v', 'hvc1',
  ],
  'tone.wav': [...tone(440, 4, 44100), '-ac', '2', '-c:a', 'pcm_s16le'],
  'tone.mp3': [...tone(660, 4, 44100), '-c:a', 'libmp3lame', '-b:a', '128k'],
  /** no Xing/LAME header: the length is only an estimate from the bit rate */
  'tone-no-header.mp3': [...tone(660, 4, 44100), '-c:a', 'libmp3lame', '-b:a', '128k', '-write_xing', '0'],
  'tone.flac': [...tone(880, 3, 48000), '-ac', '2', '-c:a', 'flac'],
  /** 720p at 400 kbit/s + 96 kbit/s AAC, 6 s: a source already lighter than the proxy's usual rates */
  'low-bitrate.mp4': [
    ...pattern('1280x720', 30, 6), ...tone(440, 6),
    '-c:v', 'libx264', '-preset', 'medium', '-b:v', '400k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-shortest',
  ],
} as const;

export interface MediaCorpus {
  dir: string;
  video1080p: string;
  webm480p: string;
  /** 1280×720 stored, displayed 720×1280: the top half is white once turned upright */
  portrait: string;
  vfr: string;
  noAudio: string;
  blackStart: string;
  timecodeMov: string;
  hdr: string;
  wav: string;
  mp3: string;
  mp3WithoutHeader: string;
  flac: string;
  empty: string;
  /** the 1080p clip cut to its first 40 %: its index (moov) is gone */
  truncated: string;
  /** the 1080p clip with its index first, cut to its first 40 %: it probes as 4 s, and 1.6 s of it decode */
  truncatedFaststart: string;
  /** the 4 s MP3 cut to 40 %: its Xing header still says 4 s, and it decodes without an error */
  truncatedMp3: string;
  /** the 4 s WAV cut to 40 %: its header declares 4 s of samples */
  truncatedWav: string;
  lowBitrate: string;
  randomBytes: string;
  textAsMp3: string;
}

let corpus: Promise<MediaCorpus> | undefined;

export function mediaCorpus(): Promise<MediaCorpus> {
  corpus ??= load();
  return corpus;
}

async function load(): Promise<MediaCorpus> {
  const version = createHash('sha256').update(JSON.stringify(RECIPES)).update(generate.toString()).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `mediateca-media-corpus-${version}`);
  if (!existsSync(join(dir, 'complete'))) {
    const staging = await mkdtemp(join(tmpdir(), 'mediateca-media-corpus-staging-'));
    try {
      await generate(staging);
      await writeFile(join(staging, 'complete'), new Date().toISOString());
      await rename(staging, dir);
    } catch (error) {
      // Another test process finished the same corpus first: use theirs.
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(join(dir, 'complete'))) throw error;
    }
  }
  const at = (name: string) => join(dir, name);
  return {
    dir,
    video1080p: at('h264-1080p30.mp4'),
    webm480p: at('vp9-480p.webm'),
    portrait: at('portrait.mp4'),
    vfr: at('vfr.mp4'),
    noAudio: at('no-audio.mp4'),
    blackStart: at('black-start.mp4'),
    timecodeMov: at('timecode.mov'),
    hdr: at('hlg-hdr.mp4'),
    wav: at('tone.wav'),
    mp3: at('tone.mp3'),
    mp3WithoutHeader: at('tone-no-header.mp3'),
    flac: at('tone.flac'),
    empty: at('empty.mp4'),
    truncated: at('truncated.mp4'),
    truncatedFaststart: at('truncated-faststart.mp4'),
    truncatedMp3: at('truncated.mp3'),
    truncatedWav: at('truncated.wav'),
    lowBitrate: at('low-bitrate.mp4'),
    randomBytes: at('random.mp4'),
    textAsMp3: at('text.mp3'),
  };
}

async function generate(dir: string): Promise<void> {
  const ffmpeg = (args: readonly string[]) => run(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
  for (const [name, args] of Object.entries(RECIPES)) await ffmpeg([...args, join(dir, name)]);

  // The legacy rotate tag on a stream copy becomes a display matrix; 270 here reads as 90° clockwise.
  await ffmpeg(['-i', join(dir, 'portrait-unrotated.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=270', join(dir, 'portrait.mp4')]);
  await ffmpeg(['-i', join(dir, 'h264-1080p30.mp4'), '-c', 'copy', '-movflags', '+faststart', join(dir, 'faststart.mp4')]);

  // An interrupted copy or download: the first 40 % of the bytes.
  const cut = async (from: string, to: string) => {
    const bytes = await readFile(join(dir, from));
    await writeFile(join(dir, to), bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  };
  await cut('h264-1080p30.mp4', 'truncated.mp4');
  await cut('faststart.mp4', 'truncated-faststart.mp4');
  await cut('tone.mp3', 'truncated.mp3');
  await cut('tone.wav', 'truncated.wav');
  await writeFile(join(dir, 'empty.mp4'), '');
  await writeFile(join(dir, 'random.mp4'), deterministicBytes(64 * 1024));
  await writeFile(join(dir, 'text.mp3'), 'These are meeting notes, not an MP3 file.\n'.repeat(20));
}

/** The same "random" bytes on every run, so a test never meets a lucky sequence that some demuxer accepts. */
function deterministicBytes(length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < length; i++) blocks.push(createHash('sha256').update(`mediateca-${i}`).digest());
  return Buffer.concat(blocks).subarray(0, length);
}

// ---- inspecting outputs -------------------------------------------------------------------------------

export interface Inspected {
  format: { format_name: string; duration?: string };
  streams: Array<{
    codec_type: string;
    codec_name: string;
    profile?: string;
    level?: number;
    width?: number;
    height?: number;
    pix_fmt?: string;
    color_transfer?: string;
    color_primaries?: string;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    channels?: number;
    sample_rate?: string;
    bit_rate?: string;
    side_data_list?: unknown[];
  }>;
}

/** ffprobe's view of an output file. */
export async function inspect(file: string): Promise<Inspected> {
  const { stdout } = await run(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout) as Inspected;
}

/** Decodes every frame; resolves with ffmpeg's error output (empty when the file plays cleanly). */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr.trim();
}

/** The top-level MP4 boxes in order (e.g. ['ftyp', 'moov', 'mdat']): faststart puts moov before mdat. */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const bytes = await readFile(file);
  const boxes: string[] = [];
  for (let offset = 0; offset + 8 <= bytes.length; ) {
    let size = bytes.readUInt32BE(offset);
    boxes.push(bytes.toString('latin1', offset + 4, offset + 8));
    if (size === 1) size = Number(bytes.readBigUInt64BE(offset + 8));
    if (size < 8) break;
    offset += size;
  }
  return boxes;
}
