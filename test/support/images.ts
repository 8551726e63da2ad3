// Real images made by the tests: a JPEG with EXIF (camera, capture date, GPS) and the bad cases.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export interface PhotoOptions {
  width?: number;
  height?: number;
  make?: string;
  model?: string;
  capturedAt?: string; // EXIF format "YYYY:MM:DD HH:MM:SS"
  seed?: number;
}

/** A photo-like JPEG (gradient + noise, so it compresses like a real photo) with EXIF and GPS. */
export async function makeJpegWithExif(options: PhotoOptions = {}): Promise<Buffer> {
  const width = options.width ?? 1600;
  const height = options.height ?? 1200;
  const seed = options.seed ?? 1;
  const channels = 3;
  const pixels = Buffer.alloc(width * height * channels);
  let state = seed * 2654435761;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const noise = (state >> 16) & 31;
      const i = (y * width + x) * channels;
      pixels[i] = ((x * 255) / width + noise) & 255;
      pixels[i + 1] = ((y * 255) / height + noise) & 255;
      pixels[i + 2] = (((x + y) * 128) / (width + height) + seed * 37 + noise) & 255;
    }
  }
  return sharp(pixels, { raw: { width, height, channels } })
    .withExif({
      IFD0: { Make: options.make ?? 'Fujifilm', Model: options.model ?? 'X-T5', Software: 'mediateca-tests', Orientation: '1' },
      IFD2: { DateTimeOriginal: options.capturedAt ?? '2026:03:14 09:26:53', ExposureTime: '1/250', FNumber: '5.6', ISOSpeedRatings: '200' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 25/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '3/1 42/1 0/1' },
    })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A decompression bomb: a valid 1-bit PNG of side×side pixels (400 Mpx by default) that is only tens of KB,
 * because every pixel is zero. Decoding it to RGB would need gigabytes.
 */
export function makeDecompressionBomb(side = 20000): Buffer {
  const rowBytes = 1 + Math.ceil(side / 8); // filter byte + packed bits
  const idat = deflateSync(Buffer.alloc(rowBytes * side), { level: 9 });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The XMP packet a photo agency's tool would write: headline, caption, keywords, creator, credit, rights, place. */
export const AGENCY_XMP = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
 xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Pleno del Congreso</rdf:li></rdf:Alt></dc:title>
<photoshop:Headline>Pleno del Congreso</photoshop:Headline>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Los diputados votan los presupuestos</rdf:li></rdf:Alt></dc:description>
<dc:subject><rdf:Bag><rdf:li>congreso</rdf:li><rdf:li>presupuestos</rdf:li></rdf:Bag></dc:subject>
<dc:creator><rdf:Seq><rdf:li>Ana Gómez</rdf:li></rdf:Seq></dc:creator>
<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© EFE 2026</rdf:li></rdf:Alt></dc:rights>
<photoshop:Credit>EFE</photoshop:Credit>
<photoshop:City>Madrid</photoshop:City>
<photoshop:Country>España</photoshop:Country>
<xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">Solo uso editorial</rdf:li></rdf:Alt></xmpRights:UsageTerms>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`;

/** A photo with EXIF and the agency's XMP packet (written by sharp, not by the code under test). */
export async function makeJpegWithXmp(options: PhotoOptions = {}): Promise<Buffer> {
  return sharp(await makeJpegWithExif(options)).keepExif().withXmp(AGENCY_XMP).jpeg({ quality: 90 }).toBuffer();
}

/**
 * A JPEG whose XMP is too large for one segment, written as Adobe's XMP specification (part 3) says: the standard
 * packet (here the headline) names the extended one by its MD5 (xmpNote:HasExtendedXMP), and the extended packet
 * (here a 150 KB history before the caption) follows in APP1 segments of at most 65,000 bytes, each with the
 * packet's GUID, full length and offset.
 */
export async function makeJpegWithExtendedXmp(headline: string, caption: string): Promise<Buffer> {
  const rdf = (body: string) => `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${body}</rdf:RDF></x:xmpmeta>`;
  const extended = Buffer.from(rdf(
    `<rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"><photoshop:History>${'edited; '.repeat(19_000)}</photoshop:History></rdf:Description>`
    + `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">${caption}</rdf:li></rdf:Alt></dc:description></rdf:Description>`,
  ));
  const guid = createHash('md5').update(extended).digest('hex').toUpperCase();
  const standard = Buffer.from(`<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>${rdf(`<rdf:Description rdf:about="" xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmpNote:HasExtendedXMP="${guid}" photoshop:Headline="${headline}"/>`)}<?xpacket end="w"?>`);
  const app1 = (...parts: Buffer[]) => {
    const payload = Buffer.concat(parts);
    const header = Buffer.from([0xff, 0xe1, 0, 0]);
    header.writeUInt16BE(payload.length + 2, 2);
    return Buffer.concat([header, payload]);
  };
  const segments = [app1(Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), standard)];
  for (let offset = 0; offset < extended.length; offset += 65_000) {
    const lengthAndOffset = Buffer.alloc(8);
    lengthAndOffset.writeUInt32BE(extended.length, 0);
    lengthAndOffset.writeUInt32BE(offset, 4);
    segments.push(app1(Buffer.from('http://ns.adobe.com/xmp/extension/\0', 'latin1'), Buffer.from(guid, 'ascii'), lengthAndOffset, extended.subarray(offset, offset + 65_000)));
  }
  const image = await makeJpegWithExif({ width: 2400, height: 1600 }); // large enough that a reader does not take it whole
  return Buffer.concat([image.subarray(0, 2), ...segments, image.subarray(2)]); // after SOI
}
