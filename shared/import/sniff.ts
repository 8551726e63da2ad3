// The content type from the first bytes of a file, for the media formats a newsroom imports. A source's
// Content-Type header is often wrong (application/octet-stream, text/plain from misconfigured servers).

/** Bytes `sniffContentType` wants to see; fewer is fine for short files. */
export const SNIFF_BYTES = 64;

export function sniffContentType(head: Buffer): string | undefined {
  const ascii = (start: number, end: number) => head.subarray(start, end).toString('latin1');
  const starts = (...bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'image/tiff';
  if (ascii(0, 4) === 'RIFF') {
    const form = ascii(8, 12);
    if (form === 'WEBP') return 'image/webp';
    if (form === 'WAVE') return 'audio/wav';
    if (form === 'AVI ') return 'video/x-msvideo';
  }
  if (ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (['heic', 'heix', 'mif1', 'msf1'].includes(brand)) return 'image/heic';
    if (brand === 'avif') return 'image/avif';
    if (brand === 'qt  ') return 'video/quicktime';
    if (brand === 'M4A ') return 'audio/mp4';
    return 'video/mp4';
  }
  if (starts(0x1a, 0x45, 0xdf, 0xa3)) return head.includes('webm', 0, 'latin1') ? 'video/webm' : 'video/x-matroska';
  if (ascii(0, 4) === 'OggS') return 'audio/ogg';
  if (ascii(0, 4) === 'fLaC') return 'audio/flac';
  if (ascii(0, 3) === 'ID3' || (head[0] === 0xff && head.length > 1 && (head[1]! & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (ascii(0, 5) === '%PDF-') return 'application/pdf';
  return undefined;
}

/** The type to record: what the bytes say, else a specific declared type, else octet-stream. */
export function contentTypeFor(head: Buffer, declared: string | undefined): string {
  const sniffed = sniffContentType(head);
  if (sniffed) return sniffed;
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  if (type && /^[a-z]+\/[a-z0-9.+-]+$/.test(type) && type !== 'text/plain') return type;
  return 'application/octet-stream';
}
