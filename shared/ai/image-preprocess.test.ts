import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ImageInputError, preprocessImage, resizeAndCrop, type ImagePreprocessing } from './image-preprocess.ts';

const CLIP: ImagePreprocessing = { size: 32, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] };
const PLANE = 32 * 32;

const normalised = (value: number, channel: number) => (value / 255 - CLIP.mean[channel]!) / CLIP.std[channel]!;

/** A PNG of vertical bands, each `bandWidth` wide, in the given colours. */
async function bands(colours: Array<[number, number, number]>, bandWidth: number, height: number): Promise<Buffer> {
  const width = colours.length * bandWidth;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(colours[Math.floor(x / bandWidth)]!, (y * width + x) * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** The RGB value (before normalisation) at a pixel of a CHW tensor ("+ 0" turns -0 into 0). */
function pixel(tensor: Float32Array, x: number, y: number): number[] {
  return [0, 1, 2].map((c) => Math.round((tensor[c * PLANE + y * 32 + x]! * CLIP.std[c]! + CLIP.mean[c]!) * 255) + 0);
}

describe('CLIP image preprocessing', () => {
  it('resizes the shortest side and centers the crop with torchvision’s arithmetic', () => {
    assert.deepEqual(resizeAndCrop(640, 480, 224), { width: 298, height: 224, left: 37, top: 0 });
    assert.deepEqual(resizeAndCrop(480, 640, 224), { width: 224, height: 298, left: 0, top: 37 });
    assert.deepEqual(resizeAndCrop(300, 300, 224), { width: 224, height: 224, left: 0, top: 0 });
    // crop offsets round half to even, as Python's round()
    assert.equal(resizeAndCrop(4, 5, 4).top, 0);
    assert.equal(resizeAndCrop(4, 7, 4).top, 2);
  });

  it('turns a solid colour into 3×N×N channel-first values normalised with mean/std', async () => {
    const image = await sharp({ create: { width: 50, height: 40, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toBuffer();
    const tensor = await preprocessImage(image, CLIP);
    assert.ok(tensor instanceof Float32Array);
    assert.equal(tensor.length, 3 * PLANE);
    [200, 100, 50].forEach((value, channel) => {
      const expected = normalised(value, channel);
      for (let i = 0; i < PLANE; i++) assert.ok(Math.abs(tensor[channel * PLANE + i]! - expected) < 1e-5, `channel ${channel} pixel ${i}`);
    });
    assert.ok(Math.abs(normalised(200, 0) - 1.1275) < 1e-3, 'sanity: (200/255 − 0.4815) / 0.2686');
  });

  it('keeps the centre of a wide image (crop, not squash)', async () => {
    const tensor = await preprocessImage(await bands([[255, 0, 0], [0, 255, 0], [0, 0, 255]], 32, 32), CLIP);
    for (const [x, y] of [[0, 0], [31, 0], [16, 16], [0, 31], [31, 31]] as const) assert.deepEqual(pixel(tensor, x, y), [0, 255, 0]);
  });

  it('lays out rows and columns as in the image', async () => {
    // 64×32 → crop columns 16–47: red on the left half of the crop, blue on the right
    const tensor = await preprocessImage(await bands([[255, 0, 0], [0, 0, 255]], 32, 32), CLIP);
    assert.deepEqual(pixel(tensor, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixel(tensor, 31, 31), [0, 0, 255]);
  });

  it('applies the EXIF orientation before cropping', async () => {
    // stored 64×32 red|blue, orientation 6 (rotate 90° clockwise): displayed 32×64, red on top
    const stored = await bands([[255, 0, 0], [0, 0, 255]], 32, 32);
    const rotated = await sharp(stored).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toBuffer();
    const tensor = await preprocessImage(rotated, CLIP);
    const close = (actual: number[], expected: number[]) => actual.every((v, i) => Math.abs(v - expected[i]!) < 12);
    assert.ok(close(pixel(tensor, 16, 0), [255, 0, 0]), `top is red: ${pixel(tensor, 16, 0)}`);
    assert.ok(close(pixel(tensor, 16, 31), [0, 0, 255]), `bottom is blue: ${pixel(tensor, 16, 31)}`);
  });

  it('gives greyscale images three equal channels and drops alpha', async () => {
    const grey = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 90, g: 90, b: 90 } } }).greyscale().png().toBuffer();
    assert.deepEqual(pixel(await preprocessImage(grey, CLIP), 5, 5), [90, 90, 90]);
    const transparent = await sharp({ create: { width: 32, height: 32, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0 } } }).png().toBuffer();
    assert.deepEqual(pixel(await preprocessImage(transparent, CLIP), 5, 5), [10, 20, 30]);
  });

  it('refuses bytes that are not an image, and images above the pixel limit', async () => {
    await assert.rejects(preprocessImage(Buffer.from('not an image'), CLIP), ImageInputError);
    const big = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#000' } }).png().toBuffer();
    await assert.rejects(preprocessImage(big, { ...CLIP, maxPixels: 5000 }), /pixel limit|could not be decoded/);
  });
});
