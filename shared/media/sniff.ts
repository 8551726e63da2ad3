// What a file's first bytes say it is. The content type a client declares is a claim; these bytes are the evidence
// (shared/domain/asset.ts checkContentType weighs the two).
import type { Readable } from 'node:stream';

/** enough for every signature file-type knows, MPEG-TS's repeated sync bytes included */
export const SNIFF_BYTES = 64 * 1024;

export interface Sniffed {
  /** the MIME type the signature names, if file-type knows it */
  detected?: string;
  /** text that starts with `<` (SVG, HTML, XML): no binary media format does */
  markup: boolean;
}

export async function sniff(head: Buffer): Promise<Sniffed> {
  // file-type loads with the first verification, not at start-up
  const { fileTypeFromBuffer } = await import('file-type');
  return { detected: (await fileTypeFromBuffer(head))?.mime, markup: isMarkup(head) };
}

export async function readHead(stream: Readable, limit = SNIFF_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= limit) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, limit);
}

function isMarkup(head: Buffer): boolean {
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) ? 'utf16le' : undefined;
  const text = head.subarray(0, 1024).toString(utf16 ?? 'utf8').replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('<');
}
