// The Asset aggregate's life cycle. Pure: no I/O, so every rule is tested directly.

export const ASSET_STATES = ['uploading', 'uploaded', 'processing', 'ready', 'failed', 'archived', 'deleted'] as const;
export type AssetState = (typeof ASSET_STATES)[number];

export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'other'] as const;
/** Tags an asset may carry, each at most MAX_TAG_LENGTH characters. */
export const MAX_TAGS = 100;
export const MAX_TAG_LENGTH = 100;
export type MediaType = (typeof MEDIA_TYPES)[number];

const TRANSITIONS: Record<AssetState, readonly AssetState[]> = {
  uploading: ['uploaded', 'failed', 'deleted'],
  uploaded: ['processing', 'ready', 'failed', 'archived', 'deleted'],
  processing: ['ready', 'failed', 'archived', 'deleted'],
  ready: ['processing', 'archived', 'deleted'],
  // A failed asset keeps its reason and can be reprocessed.
  // ready again by reverting to an earlier file version (its renditions exist)
  failed: ['processing', 'uploaded', 'archived', 'deleted', 'ready'],
  archived: ['ready', 'deleted'],
  // restored from the trash to where it was (a half-processed asset comes back failed and is processed again)
  deleted: ['ready', 'failed', 'archived'],
};

export class InvalidTransition extends Error {
  constructor(readonly from: AssetState, readonly to: AssetState) {
    super(`asset cannot move from ${from} to ${to}`);
  }
}

export function canTransition(from: AssetState, to: AssetState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: AssetState, to: AssetState): void {
  if (!canTransition(from, to)) throw new InvalidTransition(from, to);
}

export function mediaTypeOf(contentType: string): MediaType {
  const major = contentType.split('/')[0]?.toLowerCase();
  if (major === 'image' || major === 'video' || major === 'audio') return major;
  if (/^application\/(pdf|msword|vnd\.)/.test(contentType)) return 'document';
  return 'other';
}

/**
 * Filenames come from clients: keep them for display, but never let them steer a storage key.
 * Strips directories, control characters and leading dots; keeps letters of any script.
 */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  const kept = truncateKeepingExtension(cleaned, MAX_FILENAME_LENGTH);
  return kept.length > 0 ? kept : 'file';
}

const MAX_FILENAME_LENGTH = 200;

/** Long names lose the end of their stem, never their extension (it decides the type a download opens as). */
function truncateKeepingExtension(name: string, max: number): string {
  const characters = [...name]; // by code point: never half a surrogate pair
  if (characters.length <= max) return name;
  const extension = /\.[\p{L}\p{N}]{1,10}$/u.exec(name)?.[0] ?? '';
  const stemLength = max - [...extension].length;
  return `${characters.slice(0, stemLength).join('').trimEnd()}${extension}`;
}

export type ContentTypeCheck =
  | { ok: true; contentType: string; mediaType: MediaType; corrected: boolean }
  | { ok: false; reason: string };

// Containers that may hold sound alone: a declared audio type wins over a video/* reading of the same container.
const AUDIO_CAPABLE_CONTAINERS = new Set(['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska', 'video/ogg', 'video/3gpp', 'video/3gpp2']);

/**
 * The declared content type is the client's claim; the bytes are the evidence. A detected media type (image, video,
 * audio) replaces a wrong claim. Markup (SVG, HTML, XML) is never accepted as media: served as the image a client
 * declared or as image/svg+xml, a browser would run the scripts it can carry. A file claimed as media whose bytes are
 * another known, non-media format fails. Undetected bytes keep the claim (transcode's probe has the last word).
 */
export function checkContentType(declared: string, detected: string | undefined, markup: boolean): ContentTypeCheck {
  const claimed = declared.toLowerCase();
  const claimedMedia = isRenderableMedia(mediaTypeOf(claimed));
  if (markup && claimedMedia) {
    return { ok: false, reason: `the file is markup (SVG, HTML or XML), not ${declared}: markup is not accepted as media because a browser runs the scripts it can carry` };
  }
  if (!detected || detected === claimed) return { ok: true, contentType: declared, mediaType: mediaTypeOf(claimed), corrected: false };
  const detectedMedia = mediaTypeOf(detected);
  if (mediaTypeOf(claimed) === 'audio' && AUDIO_CAPABLE_CONTAINERS.has(detected)) return { ok: true, contentType: declared, mediaType: 'audio', corrected: false };
  if (isRenderableMedia(detectedMedia)) return { ok: true, contentType: detected, mediaType: detectedMedia, corrected: true };
  if (claimedMedia) return { ok: false, reason: `the file was declared ${declared}, but its bytes are ${detected}` };
  return { ok: true, contentType: declared, mediaType: mediaTypeOf(claimed), corrected: false };
}

function isRenderableMedia(mediaType: MediaType): boolean {
  return mediaType === 'image' || mediaType === 'video' || mediaType === 'audio';
}

export function extensionOf(filename: string): string {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(filename);
  return match ? match[1]!.toLowerCase() : 'bin';
}
