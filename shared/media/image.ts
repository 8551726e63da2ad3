// Images: technical metadata and the three renditions (300 px thumbnail JPEG, 1200 px preview JPEG and
// WebP), made from ONE decode: the master is decoded once to a 1200 px raw buffer and all three outputs
// derive from it (sharp's clone() would decode again per output; DESIGN.md measured 40–50 % less CPU).
import exifr from 'exifr';
import sharp, { type Metadata, type OutputInfo } from 'sharp';

export class ImageError extends Error {}

export interface ImageMetadata {
  format: string;
  width: number;
  height: number;
  /** dimensions as displayed, after EXIF orientation */
  displayWidth: number;
  displayHeight: number;
  orientation?: number;
  colourSpace?: string;
  channels?: number;
  bitDepth?: string;
  hasAlpha: boolean;
  hasIccProfile: boolean;
  pages?: number;
  exif: {
    capturedAt?: string;
    make?: string;
    model?: string;
    lens?: string;
    software?: string;
    exposureTime?: number;
    fNumber?: number;
    iso?: number;
    focalLength?: number;
    gps?: { latitude: number; longitude: number; altitude?: number };
    artist?: string;
    copyright?: string;
  };
}

export interface ImageRendition {
  name: 'thumbnail' | 'preview' | 'preview-webp';
  data: Buffer;
  contentType: string;
  extension: string;
  width: number;
  height: number;
}

export async function inspectImage(file: string, maxPixels: number): Promise<ImageMetadata> {
  let meta: Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageError(`not a readable image: ${shortReason(error)}`);
  }
  if (!meta.width || !meta.height || !meta.format) throw new ImageError('not a readable image: no dimensions in the header');
  const pixels = meta.width * meta.height;
  if (pixels > maxPixels) {
    throw new ImageError(`image is ${meta.width}×${meta.height} = ${pixels} pixels, above the limit of ${maxPixels} (possible decompression bomb)`);
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  return {
    format: meta.format,
    width: meta.width,
    height: meta.height,
    displayWidth: rotated ? meta.height : meta.width,
    displayHeight: rotated ? meta.width : meta.height,
    orientation: meta.orientation,
    colourSpace: meta.space,
    channels: meta.channels,
    bitDepth: meta.depth,
    hasAlpha: meta.hasAlpha ?? false,
    hasIccProfile: Boolean(meta.icc),
    pages: meta.pages,
    exif: await readExif(file),
  };
}

async function readExif(file: string): Promise<ImageMetadata['exif']> {
  let tags: Record<string, any> | undefined;
  try {
    tags = await exifr.parse(file, { tiff: true, exif: true, gps: true, ifd1: false, interop: false, xmp: false, iptc: false, icc: false });
  } catch {
    return {};
  }
  if (!tags) return {};
  const captured = tags.DateTimeOriginal ?? tags.CreateDate ?? tags.ModifyDate;
  const gps = typeof tags.latitude === 'number' && typeof tags.longitude === 'number'
    ? { latitude: tags.latitude, longitude: tags.longitude, altitude: typeof tags.GPSAltitude === 'number' ? tags.GPSAltitude : undefined }
    : undefined;
  return {
    capturedAt: captured instanceof Date && !Number.isNaN(captured.getTime()) ? captured.toISOString() : undefined,
    make: text(tags.Make),
    model: text(tags.Model),
    lens: text(tags.LensModel),
    software: text(tags.Software),
    exposureTime: num(tags.ExposureTime),
    fNumber: num(tags.FNumber),
    iso: num(tags.ISO),
    focalLength: num(tags.FocalLength),
    gps,
    artist: text(tags.Artist),
    copyright: text(tags.Copyright),
  };
}

export async function renderImage(file: string, maxPixels: number): Promise<ImageRendition[]> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(file, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
      .autoOrient()
      .resize({ width: 1200, height: 1200, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageError(`image could not be decoded: ${shortReason(error)}`);
  }
  const raw = { raw: { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels } };
  const base = () => sharp(decoded.data, raw);
  // JPEG has no alpha: flatten transparent images onto white rather than black.
  const [preview, webp, thumbnail] = await Promise.all([
    base().flatten({ background: '#ffffff' }).jpeg({ quality: 82, progressive: true }).toBuffer({ resolveWithObject: true }),
    base().webp({ quality: 80 }).toBuffer({ resolveWithObject: true }),
    base().resize({ width: 300, height: 300, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true }),
  ]);
  return [
    { name: 'thumbnail', data: thumbnail.data, contentType: 'image/jpeg', extension: 'jpg', width: thumbnail.info.width, height: thumbnail.info.height },
    { name: 'preview', data: preview.data, contentType: 'image/jpeg', extension: 'jpg', width: preview.info.width, height: preview.info.height },
    { name: 'preview-webp', data: webp.data, contentType: 'image/webp', extension: 'webp', width: webp.info.width, height: webp.info.height },
  ];
}

function shortReason(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.replace(/^Input (file|buffer) /, '');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.replace(/\0/g, '').trim() : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
