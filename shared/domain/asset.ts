// The Asset aggregate's life cycle. Pure: no I/O, so every rule is tested directly.

export const ASSET_STATES = ['uploading', 'uploaded', 'processing', 'ready', 'failed', 'archived', 'deleted'] as const;
export type AssetState = (typeof ASSET_STATES)[number];

export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'other'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

const TRANSITIONS: Record<AssetState, readonly AssetState[]> = {
  uploading: ['uploaded', 'failed', 'deleted'],
  uploaded: ['processing', 'ready', 'failed', 'archived', 'deleted'],
  processing: ['ready', 'failed', 'archived', 'deleted'],
  ready: ['processing', 'archived', 'deleted'],
  // A failed asset keeps its reason and can be reprocessed.
  failed: ['processing', 'uploaded', 'archived', 'deleted'],
  archived: ['ready', 'deleted'],
  deleted: ['ready'],
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
    .trim()
    .slice(0, 200);
  return cleaned.length > 0 ? cleaned : 'file';
}

export function extensionOf(filename: string): string {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(filename);
  return match ? match[1]!.toLowerCase() : 'bin';
}
