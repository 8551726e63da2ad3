// What the pipeline writes into an asset's metadata kinds, as valibot schemas: `technical` (transcode: an image's
// header and EXIF from shared/media/image.ts, a video's or sound's ffprobe result from shared/media/probe.ts, the
// content type and size of any other file) and `ai` (enrich: OCR, transcript, each part's outcome, key frame
// times). Pure: the repository (shared/db/assets.ts putMetadata) checks every write against them, so a producer
// that writes a wrong shape fails loudly with the path instead of storing it. The schemas are generous (fields a
// producer may leave out are optional, keys they do not name are allowed through) so everything already stored
// and every older history entry stays valid; a field that is there must have its type.
import * as v from 'valibot';

const Exif = v.object({
  capturedAt: v.optional(v.string()),
  make: v.optional(v.string()),
  model: v.optional(v.string()),
  lens: v.optional(v.string()),
  software: v.optional(v.string()),
  exposureTime: v.optional(v.number()),
  fNumber: v.optional(v.number()),
  iso: v.optional(v.number()),
  focalLength: v.optional(v.number()),
  gps: v.optional(v.object({ latitude: v.number(), longitude: v.number(), altitude: v.optional(v.number()) })),
  artist: v.optional(v.string()),
  copyright: v.optional(v.string()),
});

/** A still image (shared/media/image.ts inspectImage). */
export const ImageTechnical = v.object({
  format: v.optional(v.string()),
  width: v.number(),
  height: v.number(),
  displayWidth: v.optional(v.number()),
  displayHeight: v.optional(v.number()),
  orientation: v.optional(v.number()),
  colourSpace: v.optional(v.string()),
  channels: v.optional(v.number()),
  bitDepth: v.optional(v.string()),
  hasAlpha: v.optional(v.boolean()),
  hasIccProfile: v.optional(v.boolean()),
  pages: v.optional(v.number()),
  exif: v.optional(Exif),
});

const VideoStream = v.object({
  index: v.number(),
  codec: v.string(),
  profile: v.optional(v.string()),
  width: v.number(),
  height: v.number(),
  displayWidth: v.number(),
  displayHeight: v.number(),
  displayAspectRatio: v.optional(v.string()),
  sampleAspectRatio: v.optional(v.string()),
  frameRate: v.optional(v.number()),
  frameRateRational: v.optional(v.string()),
  variableFrameRate: v.boolean(),
  pixelFormat: v.optional(v.string()),
  bitDepth: v.optional(v.number()),
  rotation: v.picklist([0, 90, 180, 270]),
  interlaced: v.boolean(),
  hdr: v.boolean(),
  bitRate: v.optional(v.number()),
  durationSeconds: v.optional(v.number()),
  frameCount: v.optional(v.number()),
});

const AudioStream = v.object({
  index: v.number(),
  codec: v.string(),
  profile: v.optional(v.string()),
  channels: v.number(),
  channelLayout: v.optional(v.string()),
  sampleRate: v.number(),
  bitRate: v.optional(v.number()),
  durationSeconds: v.optional(v.number()),
});

/** A video or a sound (shared/media/probe.ts probeMedia), with transcode's note when the upload said otherwise. */
export const MediaTechnical = v.object({
  kind: v.picklist(['video', 'audio', 'image', 'unknown']),
  format: v.string(),
  formatLongName: v.optional(v.string()),
  sizeBytes: v.number(),
  durationSeconds: v.optional(v.number()),
  durationEstimated: v.optional(v.boolean()),
  bitRate: v.optional(v.number()),
  creationTime: v.optional(v.string()),
  timecode: v.optional(v.string()),
  video: v.optional(VideoStream),
  audio: v.optional(AudioStream),
  audioStreamCount: v.number(),
  // container tags are whatever the file carries (title, encoder, …): any names, string values
  tags: v.record(v.string(), v.string()),
  /** e.g. "uploaded as video but the file is audio: rendered as audio" */
  note: v.optional(v.string()),
});

/** Documents and other files: no renditions, what the upload said. */
export const FileTechnical = v.object({ contentType: v.string(), size: v.number() });

export const TechnicalMetadata = v.union([MediaTechnical, ImageTechnical, FileTechnical]);
export type TechnicalMetadata = v.InferOutput<typeof TechnicalMetadata>;
export type MediaTechnical = v.InferOutput<typeof MediaTechnical>;
export type ImageTechnical = v.InferOutput<typeof ImageTechnical>;

/** One enrichment part's outcome (functions/enrich/analyse.ts PartOutcome). */
export const PartOutcome = v.object({
  status: v.picklist(['done', 'skipped', 'unavailable', 'failed']),
  reason: v.optional(v.string()),
  model: v.optional(v.string()),
  ms: v.optional(v.number()),
});

export const OcrMetadata = v.object({
  text: v.string(),
  languages: v.optional(v.array(v.string())),
  frames: v.optional(v.array(v.object({ time: v.optional(v.number()), text: v.string() }))),
});

export const TranscriptMetadata = v.object({
  engine: v.optional(v.string()),
  language: v.optional(v.string()),
  text: v.string(),
  // loose: a segment carries what its engine gives beyond start/end/text (pocketsphinx word timings, a
  // confidence where the engine has one); those details differ per speech model and are kept as they are
  segments: v.optional(v.array(v.looseObject({ start: v.number(), end: v.number(), text: v.string(), confidence: v.optional(v.number()) }))),
});

/** What enrich found (functions/enrich/index.ts); objects, faces and the embedding live in their own tables. */
export const AiMetadata = v.object({
  ocr: v.optional(OcrMetadata),
  transcript: v.optional(TranscriptMetadata),
  /** part name (objects, faces, ocr, speech, embedding) → its last outcome */
  parts: v.optional(v.record(v.string(), PartOutcome)),
  /** a video's key frame times (seconds) the models looked at; null where a frame has no time (JSON of undefined) */
  keyframes: v.optional(v.array(v.nullish(v.number()))),
});
export type AiMetadata = v.InferOutput<typeof AiMetadata>;

/** Descriptive metadata is the project's own schema (domain/metadata-schema.ts), checked there. */
export type DescriptiveMetadata = Record<string, unknown>;

export interface MetadataKinds {
  technical: TechnicalMetadata;
  ai: AiMetadata;
  descriptive: DescriptiveMetadata;
}
export type MetadataKind = keyof MetadataKinds;

/** A producer wrote a shape its schema does not allow: a bug in the producer, never the user's input. */
export class InvalidMetadata extends Error {}

function describe(kind: string, issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = v.getDotPath(issue);
      return `${path ? `${kind}.${path}` : kind}: ${issue.message}`;
    })
    .join('; ');
}

/** The technical schema the data claims to be: a probe has `kind`, an image has `width`, any other file neither. */
function technicalSchema(data: unknown): typeof MediaTechnical | typeof ImageTechnical | typeof FileTechnical {
  if (data && typeof data === 'object' && 'kind' in data) return MediaTechnical;
  if (data && typeof data === 'object' && !('contentType' in data)) return ImageTechnical;
  return FileTechnical;
}

/** Throws InvalidMetadata naming each wrong path (e.g. `technical.video.width: Invalid type…`). */
export function checkMetadata<K extends MetadataKind>(kind: K, data: unknown): asserts data is MetadataKinds[K] {
  if (kind === 'descriptive') {
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new InvalidMetadata('descriptive metadata: not an object');
    return;
  }
  const schema = kind === 'technical' ? technicalSchema(data) : AiMetadata;
  const result = v.safeParse(schema, data);
  if (!result.success) throw new InvalidMetadata(`${kind} metadata does not match its schema: ${describe(kind, result.issues)}`);
}
