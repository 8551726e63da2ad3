// What the vision detectors take and give: an image (file path or encoded bytes) and boxes normalised to 0..1,
// so a box stays valid on every rendition of the asset, whatever its size.
import sharp from 'sharp';

/** A file path or the encoded bytes of an image (JPEG, PNG, WebP, TIFF, GIF, AVIF: whatever sharp decodes). */
export type ImageInput = string | Buffer;

/** A rectangle as fractions of the image's width and height (0..1), top-left origin, after EXIF orientation. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes to 8-bit RGB, upright (EXIF orientation applied) and no larger than `maxSide` on its long side.
 * The models work at a few hundred pixels anyway; decoding a 24 MP master at full size would only cost memory.
 */
export async function decodeRgb(input: ImageInput, maxSide: number): Promise<RgbImage> {
  const { data, info } = await sharp(input, { limitInputPixels: 100_000_000 })
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Clamps a normalised [x, y, width, height] into the image and rounds to 4 decimals (0.1 px on a 1000 px side). */
export function clampBox([x, y, width, height]: readonly number[]): Box {
  const left = clamp01(x!);
  const top = clamp01(y!);
  return {
    x: round4(left),
    y: round4(top),
    width: round4(clamp01(x! + width!) - left),
    height: round4(clamp01(y! + height!) - top),
  };
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
