// Writes an asset's current metadata into a copy of its original as an XMP packet (GET /assets/:id/original
// ?embed=xmp): JPEG (an APP1 segment after SOI, replacing any XMP there) and PNG (an iTXt chunk
// "XML:com.adobe.xmp" after IHDR, replacing any there). Every other byte of the file is kept as it is: the image
// data is never decoded or re-encoded, and the stored master is never touched (this works on a copy in memory).
// Standard XMP properties (dc, photoshop, xmpRights, Iptc4xmpCore) for what other tools read; the project's own
// schema fields under the Mediateca namespace.

export const MEDIATECA_XMP_NS = 'https://mediateca.io/ns/fields/1.0/';
/** An XMP packet must fit one APP1 segment (64 KiB less the header); extended XMP is not written. */
const MAX_JPEG_XMP = 65_502;
const JPEG_XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');

export interface XmpMetadata {
  title?: string;
  description?: string;
  keywords?: string[];
  /** schema field values by name (credit, copyright, creator, usageTerms, location… and the project's own) */
  fields?: Record<string, unknown>;
}

export class EmbedError extends Error {}

/** The formats a packet can be written into: JPEG and PNG here, TIFF and MP4 with ExifTool (exiftool.ts). */
export function canEmbed(contentType: string): boolean {
  return ['image/jpeg', 'image/png', 'image/tiff', 'video/mp4'].includes(contentType);
}

/** The file with the packet written in; EmbedError when its format is not JPEG or PNG or it is not well formed. */
export function embedXmp(file: Buffer, contentType: string, metadata: XmpMetadata): Buffer {
  const packet = xmpPacket(metadata);
  if (contentType === 'image/jpeg') return embedInJpeg(file, packet);
  if (contentType === 'image/png') return embedInPng(file, packet);
  throw new EmbedError(`XMP is written into JPEG and PNG files; this one is ${contentType}`);
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const alt = (text: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${escape(text)}</rdf:li></rdf:Alt>`;
const bag = (items: string[]) => `<rdf:Bag>${items.map((item) => `<rdf:li>${escape(item)}</rdf:li>`).join('')}</rdf:Bag>`;
const seq = (items: string[]) => `<rdf:Seq>${items.map((item) => `<rdf:li>${escape(item)}</rdf:li>`).join('')}</rdf:Seq>`;

/** The XMP packet (RDF/XML) of the metadata. */
export function xmpPacket(metadata: XmpMetadata): string {
  const fields = metadata.fields ?? {};
  const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined);
  const props: string[] = [];
  if (metadata.title) props.push(`<dc:title>${alt(metadata.title)}</dc:title>`, `<photoshop:Headline>${escape(metadata.title)}</photoshop:Headline>`);
  if (metadata.description) props.push(`<dc:description>${alt(metadata.description)}</dc:description>`);
  if (metadata.keywords?.length) props.push(`<dc:subject>${bag(metadata.keywords)}</dc:subject>`);
  if (text('creator')) props.push(`<dc:creator>${seq(text('creator')!.split(/\s*,\s*/).filter(Boolean))}</dc:creator>`);
  if (text('copyright')) props.push(`<dc:rights>${alt(text('copyright')!)}</dc:rights>`);
  if (text('credit')) props.push(`<photoshop:Credit>${escape(text('credit')!)}</photoshop:Credit>`);
  if (text('usageTerms')) props.push(`<xmpRights:UsageTerms>${alt(text('usageTerms')!)}</xmpRights:UsageTerms>`);
  if (text('copyright') || text('license') || text('usageTerms')) props.push('<xmpRights:Marked>True</xmpRights:Marked>');
  if (text('location')) props.push(`<Iptc4xmpCore:Location>${escape(text('location')!)}</Iptc4xmpCore:Location>`);
  for (const [name, value] of Object.entries(fields)) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(name)) continue;
    const rendered = Array.isArray(value) ? bag(value.map(String)) : escape(String(value));
    props.push(`<mediateca:${name}>${rendered}</mediateca:${name}>`);
  }
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about=""',
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
    ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"',
    ' xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"',
    ' xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"',
    ` xmlns:mediateca="${MEDIATECA_XMP_NS}">`,
    ...props,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

/** JPEG: SOI, then our APP1 XMP, then every segment of the original but its own XMP APP1s, then the rest unchanged. */
function embedInJpeg(file: Buffer, packet: string): Buffer {
  if (file.length < 4 || file[0] !== 0xff || file[1] !== 0xd8) throw new EmbedError('not a JPEG file (no start-of-image marker)');
  const body = Buffer.from(packet, 'utf8');
  if (body.length + JPEG_XMP_HEADER.length > MAX_JPEG_XMP) throw new EmbedError('the metadata is too large for one XMP segment (64 KiB)');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(2 + JPEG_XMP_HEADER.length + body.length);
  const parts: Buffer[] = [file.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, JPEG_XMP_HEADER, body];
  let offset = 2;
  for (;;) {
    if (offset + 4 > file.length || file[offset] !== 0xff) throw new EmbedError('malformed JPEG: a segment does not start with a marker');
    const marker = file[offset + 1]!;
    // start of scan (image data follows) or end of image: the rest is copied as it is
    if (marker === 0xda || marker === 0xd9) break;
    // standalone markers (TEM, RSTn) carry no length
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push(file.subarray(offset, offset + 2));
      offset += 2;
      continue;
    }
    const size = file.readUInt16BE(offset + 2);
    const end = offset + 2 + size;
    if (size < 2 || end > file.length) throw new EmbedError('malformed JPEG: a segment runs past the end of the file');
    const isXmp = marker === 0xe1 && file.subarray(offset + 4, offset + 4 + JPEG_XMP_HEADER.length).equals(JPEG_XMP_HEADER);
    if (!isXmp) parts.push(file.subarray(offset, end));
    offset = end;
  }
  parts.push(file.subarray(offset));
  return Buffer.concat(parts);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG: the signature and IHDR, our iTXt XMP chunk, then every chunk of the original but its own XMP iTXt. */
function embedInPng(file: Buffer, packet: string): Buffer {
  if (file.length < 8 || !file.subarray(0, 8).equals(PNG_SIGNATURE)) throw new EmbedError('not a PNG file (no PNG signature)');
  const chunks: Buffer[] = [];
  let offset = 8;
  let inserted = false;
  while (offset < file.length) {
    if (offset + 12 > file.length) throw new EmbedError('malformed PNG: a chunk runs past the end of the file');
    const length = file.readUInt32BE(offset);
    const type = file.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > file.length) throw new EmbedError('malformed PNG: a chunk runs past the end of the file');
    const isXmp = type === 'iTXt' && file.toString('latin1', offset + 8, offset + 8 + 18) === 'XML:com.adobe.xmp\0';
    if (!isXmp) chunks.push(file.subarray(offset, end));
    if (type === 'IHDR' && !inserted) {
      chunks.push(pngChunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), Buffer.from(packet, 'utf8')])));
      inserted = true;
    }
    offset = end;
  }
  if (!inserted) throw new EmbedError('malformed PNG: no IHDR chunk');
  return Buffer.concat([PNG_SIGNATURE, ...chunks]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

let table: Uint32Array | undefined;
function crc32(data: Buffer): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
