// Technical metadata of a media file, from ffprobe's JSON, in the shape the rest of the platform uses.
import { open, stat } from 'node:fs/promises';
import { MediaError, isUrl, runFfprobe } from './ffmpeg.ts';

export type MediaKind = 'video' | 'audio' | 'image' | 'unknown';

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile?: string;
  /** stored (coded) frame size */
  width: number;
  height: number;
  /** the size a player shows: square pixels, rotation applied */
  displayWidth: number;
  displayHeight: number;
  /** e.g. "16:9", as the file states it */
  displayAspectRatio?: string;
  sampleAspectRatio?: string;
  frameRate?: number;
  /** e.g. "30000/1001" */
  frameRateRational?: string;
  /** the nominal and average frame rates differ: phone footage, screen recordings */
  variableFrameRate: boolean;
  pixelFormat?: string;
  bitDepth?: number;
  /** clockwise degrees a player turns the picture (display matrix or legacy `rotate` tag) */
  rotation: 0 | 90 | 180 | 270;
  interlaced: boolean;
  /** PQ or HLG transfer */
  hdr: boolean;
  bitRate?: number;
  durationSeconds?: number;
  frameCount?: number;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  profile?: string;
  channels: number;
  channelLayout?: string;
  sampleRate: number;
  bitRate?: number;
  durationSeconds?: number;
}

export interface MediaProbe {
  kind: MediaKind;
  /** ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
  format: string;
  formatLongName?: string;
  sizeBytes: number;
  /** what the container declares (a WAV's data chunk size, an MP4's index, an MP3's Xing header…) */
  durationSeconds?: number;
  /** the container does not say how long it is; ffmpeg estimated durationSeconds from the bit rate */
  durationEstimated?: boolean;
  bitRate?: number;
  /** ISO 8601, when the file says when it was recorded */
  creationTime?: string;
  /** SMPTE start timecode, e.g. "10:00:00:00" */
  timecode?: string;
  /** the first video stream that is not cover art */
  video?: VideoStreamInfo;
  /** the first audio stream */
  audio?: AudioStreamInfo;
  audioStreamCount: number;
  /** container tags (title, encoder, …) */
  tags: Record<string, string>;
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  display_aspect_ratio?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  field_order?: string;
  color_transfer?: string;
  bit_rate?: string;
  duration?: string;
  nb_frames?: string;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  disposition?: { attached_pic?: number; still_image?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface FfprobeJson {
  format?: { format_name?: string; format_long_name?: string; duration?: string; size?: string; bit_rate?: string; tags?: Record<string, string> };
  streams?: FfprobeStream[];
}

// Single pictures that ffprobe reads through an image demuxer: the image pipeline (sharp) handles them.
const IMAGE_FORMATS = /^(image2|\w+_pipe|gif|webp|apng)$/;

/**
 * Reads a media file's technical metadata; `file` may be an http(s) URL (a master read from the store while it
 * downloads). Throws MediaError when the file is empty, unreadable or holds no audio or video.
 */
export async function probeMedia(file: string): Promise<MediaProbe> {
  // a URL has no file to stat or read the head of: ffprobe reports its size (Content-Length)
  const remote = isUrl(file);
  const size = remote ? undefined : (await stat(file)).size;
  if (size === 0) throw new MediaError('empty', 'file is empty');
  const { stdout, warnings } = await runFfprobe(['-print_format', 'json', '-show_format', '-show_streams', file]).catch(async (error: unknown) => {
    throw (remote ? undefined : await missingMp4Index(file, error)) ?? error;
  });
  const output = JSON.parse(stdout) as FfprobeJson;
  const streams = (output.streams ?? []).filter((stream) => stream.codec_name);
  const format = output.format ?? {};
  const formatTags = lowerKeys(format.tags);

  const videoStream = streams.find((stream) => stream.codec_type === 'video' && !stream.disposition?.attached_pic);
  const audioStreams = streams.filter((stream) => stream.codec_type === 'audio');
  const video = videoStream && videoInfo(videoStream);
  const audio = audioStreams[0] && audioInfo(audioStreams[0]);
  // Subtitle- or data-only files are readable but not media: they come back as kind 'unknown'.
  if (streams.length === 0) throw new MediaError('no-media-stream', 'no decodable audio or video stream');

  const formatName = format.format_name ?? 'unknown';
  let durationSeconds = number(format.duration) ?? video?.durationSeconds ?? audio?.durationSeconds;
  let durationEstimated = warnings.some((warning) => /Estimating duration from bitrate/i.test(warning)) || undefined;
  // ffmpeg clamps a WAV's length to the bytes present; its header still says how long it was meant to be.
  const declaredWav = formatName === 'wav' && !remote ? await wavDeclaredSeconds(file) : undefined;
  if (declaredWav !== undefined && declaredWav > (durationSeconds ?? 0)) {
    durationSeconds = declaredWav;
    durationEstimated = undefined;
  }
  return {
    kind: kindOf(formatName, video, audio),
    format: formatName,
    formatLongName: format.format_long_name,
    sizeBytes: size ?? number(format.size) ?? 0,
    durationSeconds,
    durationEstimated,
    bitRate: number(format.bit_rate),
    creationTime: isoDate(formatTags.creation_time ?? streams.map((stream) => lowerKeys(stream.tags).creation_time).find(Boolean)),
    timecode: formatTags.timecode ?? streams.map((stream) => lowerKeys(stream.tags).timecode).find(Boolean),
    video,
    audio,
    audioStreamCount: audioStreams.length,
    tags: formatTags,
  };
}

/** The media seconds in an output file (a rendition), as its container reports them. */
export async function mediaDurationSeconds(file: string): Promise<number> {
  const { stdout } = await runFfprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const seconds = number(stdout.trim());
  if (seconds === undefined) throw new MediaError('unreadable', `ffprobe reports no duration for ${file}`);
  return seconds;
}

/** An MP4/MOV that starts like one (an `ftyp` box) but has no index was cut off before its end: say so. */
async function missingMp4Index(file: string, error: unknown): Promise<MediaError | undefined> {
  if (!(error instanceof MediaError) || !/moov atom not found/.test(error.reason)) return undefined;
  const head = await readHead(file, 8);
  if (head.toString('latin1', 4, 8) !== 'ftyp') return undefined;
  return new MediaError('truncated', 'the file is truncated: the MP4 ends before its index (moov atom), so none of it can be decoded');
}

/**
 * The duration a WAV's header declares: the `data` chunk's size over the byte rate of its `fmt ` chunk.
 * Undefined when the header does not say (streamed WAVs write 0 or 0xFFFFFFFF) or cannot be read.
 */
export async function wavDeclaredSeconds(file: string): Promise<number | undefined> {
  const head = await readHead(file, 64 * 1024);
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= head.length; ) {
    const id = head.toString('latin1', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= head.length) byteRate = head.readUInt32LE(offset + 16);
    if (id === 'data') return byteRate && size > 0 && size < 0xffffffff ? size / byteRate : undefined;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function kindOf(format: string, video: VideoStreamInfo | undefined, audio: AudioStreamInfo | undefined): MediaKind {
  if (video) {
    const still = IMAGE_FORMATS.test(format) || (!audio && video.frameCount === 1);
    return still ? 'image' : 'video';
  }
  return audio ? 'audio' : 'unknown';
}

function videoInfo(stream: FfprobeStream): VideoStreamInfo {
  const width = stream.width ?? 0;
  const height = stream.height ?? 0;
  const rotation = rotationOf(stream);
  const sar = ratio(stream.sample_aspect_ratio) || 1;
  // Anamorphic sources (SAR ≠ 1) are shown stretched horizontally; rotation then swaps the axes.
  const squareWidth = Math.round(width * sar);
  const turned = rotation === 90 || rotation === 270;
  const average = ratio(stream.avg_frame_rate);
  const nominal = ratio(stream.r_frame_rate);
  const frameRate = average || nominal || undefined;
  return {
    index: stream.index,
    codec: stream.codec_name!,
    profile: stream.profile,
    width,
    height,
    displayWidth: turned ? height : squareWidth,
    displayHeight: turned ? squareWidth : height,
    displayAspectRatio: validRatio(stream.display_aspect_ratio),
    sampleAspectRatio: validRatio(stream.sample_aspect_ratio),
    frameRate: frameRate && Math.round(frameRate * 1000) / 1000,
    frameRateRational: average ? stream.avg_frame_rate : nominal ? stream.r_frame_rate : undefined,
    variableFrameRate: Boolean(average && nominal && Math.abs(average - nominal) / nominal > 0.01),
    pixelFormat: stream.pix_fmt,
    bitDepth: number(stream.bits_per_raw_sample) ?? bitDepthOf(stream.pix_fmt),
    rotation,
    interlaced: ['tt', 'bb', 'tb', 'bt'].includes(stream.field_order ?? ''),
    hdr: stream.color_transfer === 'smpte2084' || stream.color_transfer === 'arib-std-b67',
    bitRate: number(stream.bit_rate),
    durationSeconds: number(stream.duration),
    frameCount: number(stream.nb_frames),
  };
}

function audioInfo(stream: FfprobeStream): AudioStreamInfo {
  return {
    index: stream.index,
    codec: stream.codec_name!,
    profile: stream.profile,
    channels: stream.channels ?? 0,
    channelLayout: stream.channel_layout,
    sampleRate: number(stream.sample_rate) ?? 0,
    bitRate: number(stream.bit_rate),
    durationSeconds: number(stream.duration),
  };
}

function rotationOf(stream: FfprobeStream): VideoStreamInfo['rotation'] {
  // The display matrix angle is counter-clockwise; the legacy tag is clockwise (as ffmpeg's autorotate reads them).
  const matrix = stream.side_data_list?.find((side) => side.side_data_type === 'Display Matrix')?.rotation;
  const clockwise = matrix !== undefined ? -matrix : Number(stream.tags?.rotate ?? 0);
  const quarter = ((Math.round(clockwise / 90) * 90) % 360 + 360) % 360;
  return quarter as VideoStreamInfo['rotation'];
}

function bitDepthOf(pixelFormat?: string): number | undefined {
  if (!pixelFormat) return undefined;
  const deep = /p(9|10|12|14|16)(le|be)?$/.exec(pixelFormat);
  return deep ? Number(deep[1]) : /^(yuvj?4\d\dp|nv12|nv21|gray|rgb24|bgr24|rgba|bgra|argb|abgr)$/.test(pixelFormat) ? 8 : undefined;
}

function ratio(text?: string): number {
  const [numerator, denominator] = (text ?? '').split(/[/:]/).map(Number);
  return numerator && denominator ? numerator / denominator : 0;
}

const validRatio = (text?: string): string | undefined => (ratio(text) ? text : undefined);

function number(text?: string | number): number | undefined {
  if (text === undefined || text === 'N/A') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function isoDate(text?: string): string | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) || date.getTime() <= 0 ? undefined : date.toISOString();
}

function lowerKeys(tags?: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
}
