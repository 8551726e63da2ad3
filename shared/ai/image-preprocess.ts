// CLIP's image preprocessing, as in OpenAI's `preprocess` and Hugging Face's CLIPImageProcessor: resize so the
// shortest side is N (bicubic), center crop N×N, RGB, scale to 0..1, normalise each channel with mean/std,
// laid out channel-first (CHW) as float32. sharp's "cubic" kernel is Catmull-Rom, the same a = -0.5 cubic
// that PIL's BICUBIC uses, so results differ from PIL only by rounding.
import sharp from 'sharp';

export type Rgb = readonly [number, number, number];

export interface ImagePreprocessing {
  /** N: side of the square the model takes */
  size: number;
  mean: Rgb;
  std: Rgb;
  /** refuse larger images (decompression bombs); default: sharp's limit of 268 Mpx */
  maxPixels?: number;
}

export class ImageInputError extends Error {}

/**
 * torchvision's arithmetic (what OpenAI's preprocess uses): Resize(size) scales the shortest side to size and
 * truncates the other; CenterCrop offsets by int(round(excess / 2)), Python's round being half-to-even.
 */
export function resizeAndCrop(width: number, height: number, size: number): { width: number; height: number; left: number; top: number } {
  const scaledWidth = width <= height ? size : Math.trunc((size * width) / height);
  const scaledHeight = width <= height ? Math.trunc((size * height) / width) : size;
  return { width: scaledWidth, height: scaledHeight, left: roundHalfEven((scaledWidth - size) / 2), top: roundHalfEven((scaledHeight - size) / 2) };
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** One image (encoded bytes or a file path) → Float32Array of 3·N·N values, channel-first. */
export async function preprocessImage(input: Buffer | string, options: ImagePreprocessing): Promise<Float32Array> {
  const { size, mean, std } = options;
  const open = () => sharp(input, { limitInputPixels: options.maxPixels ?? 268_402_689, failOn: 'error' });
  let pixels: Buffer;
  try {
    const meta = await open().metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions in the header');
    // EXIF orientations 5–8 swap width and height once applied
    const [width, height] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
    const geometry = resizeAndCrop(width, height, size);
    pixels = await open()
      .autoOrient()
      .resize(geometry.width, geometry.height, { fit: 'fill', kernel: 'cubic' })
      .extract({ left: geometry.left, top: geometry.top, width: size, height: size })
      // PIL's convert('RGB') drops alpha rather than compositing
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer();
  } catch (error) {
    throw new ImageInputError(`image could not be decoded: ${String((error as Error).message).split('\n')[0]}`);
  }
  const plane = size * size;
  if (pixels.length !== plane * 3) throw new ImageInputError(`expected ${plane * 3} RGB bytes after preprocessing, got ${pixels.length}`);
  const tensor = new Float32Array(plane * 3);
  for (let channel = 0; channel < 3; channel++) {
    const scale = 1 / (255 * std[channel]!);
    const offset = mean[channel]! / std[channel]!;
    for (let i = 0; i < plane; i++) tensor[channel * plane + i] = pixels[i * 3 + channel]! * scale - offset;
  }
  return tensor;
}
