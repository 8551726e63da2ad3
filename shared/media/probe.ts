// Technical metadata of a media file, from ffprobe's JSON, in the shape the rest of the platform uses.
import { stat } from 'node:fs/promises';
import { MediaError, runFfprobe } from './ffmpeg.ts';

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
  durationSeconds?: number;
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

interface FfprobeOutput {
  format?: { format_name?: string; format_long_name?: string; duration?: string; size?: string; bit_rate?: string; tags?: Record<string, string> };
  streams?: FfprobeStream[];
}

// Single pictures that ffprobe reads through an image demuxer: the image pipeline (sharp) handles them.
const IMAGE_FORMATS = /^(image2|\w+_pipe|gif|webp|apng)$/;

/** Reads a media file's technical metadata. Throws MediaError when the file is empty, unreadable or holds no audio or video. */
export async function probeMedia(file: string): Promise<MediaProbe> {
  const { size } = await stat(file);
  if (size === 0) throw new MediaError('empty', 'file is empty');
  const output = JSON.parse(await runFfprobe(['-print_format', 'json', '-show_format', '-show_streams', file])) as FfprobeOutput;
  const streams = (output.streams ?? []).filter((stream) => stream.codec_name);
  const format = output.format ?? {};
  const formatTags = lowerKeys(format.tags);

  const videoStream = streams.find((stream) => stream.codec_type === 'video' && !stream.disposition?.attached_pic);
  const audioStreams = streams.filter((stream) => stream.codec_type === 'audio');
  const video = videoStream && videoInfo(videoStream);
  const audio = audioStreams[0] && audioInfo(audioStreams[0]);
  // Subtitle- or data-only files are readable but not media: they come back as kind 'unknown'.
  if (streams.length === 0) throw new MediaError('no-media-stream', 'no decodable audio or video stream');

  const durationSeconds = number(format.duration) ?? video?.durationSeconds ?? audio?.durationSeconds;
  const formatName = format.format_name ?? 'unknown';
  return {
    kind: kindOf(formatName, video, audio),
    format: formatName,
    formatLongName: format.format_long_name,
    sizeBytes: size,
    durationSeconds,
    bitRate: number(format.bit_rate),
    creationTime: isoDate(formatTags.creation_time ?? streams.map((stream) => lowerKeys(stream.tags).creation_time).find(Boolean)),
    timecode: formatTags.timecode ?? streams.map((stream) => lowerKeys(stream.tags).timecode).find(Boolean),
    video,
    audio,
    audioStreamCount: audioStreams.length,
    tags: formatTags,
  };
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
