// Images for the vision tests: text rendered by sharp (SVG through librsvg, DejaVu fonts), a photo-like scene with
// a title and a news banner, a blank frame, and the real photos that ship inside @vladmandic/human's package.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** Lines of the text fixtures: Spanish with every accent kind the tests care about, and English. */
export const TEXT_LINES = ['Canción del árbol', 'Elecciones 2026', 'Breaking news', 'Niño pequeño: ¿Qué pasó aquí?'] as const;

/** Dark text lines on white at `fontSize` px, one per row, as PNG. Throws if the text did not render (no fonts). */
export async function renderText(lines: readonly string[], fontSize: number, width = 1000): Promise<Buffer> {
  const lineHeight = Math.round(fontSize * 1.6);
  const height = lineHeight * lines.length + fontSize * 2;
  const rows = lines
    .map((line, i) => `<text x="${fontSize}" y="${fontSize * 1.5 + i * lineHeight}" font-family="DejaVu Sans" font-size="${fontSize}" fill="#111111">${escapeXml(line)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#ffffff"/>${rows}</svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  const { channels } = await sharp(png).greyscale().stats();
  if (channels[0]!.min > 100) throw new Error('fixture text did not render: are fonts installed (fontconfig, fonts-dejavu-core)?');
  return png;
}

/**
 * A 1280×720 (0.9 MP) photo-like JPEG (colour gradient + noise) with a yellow outlined title at the top and a
 * white-on-red news banner at the bottom, as in a TV frame.
 */
export async function renderScene(title = 'Canción del árbol', banner = 'Breaking news: Elecciones 2026'): Promise<Buffer> {
  const width = 1280;
  const height = 720;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <text x="80" y="120" font-family="DejaVu Sans" font-weight="bold" font-size="64" fill="#ffe600" stroke="#000000" stroke-width="2">${escapeXml(title)}</text>
    <rect x="0" y="560" width="${width}" height="110" fill="#b00020"/>
    <text x="60" y="635" font-family="DejaVu Sans" font-size="52" fill="#ffffff">${escapeXml(banner)}</text>
  </svg>`;
  return sharp(noisyGradient(width, height), { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** A uniform grey frame: nothing to find in it. */
export function renderBlank(width = 1280, height = 720): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();
}

/**
 * Real photos shipped in @vladmandic/human's package (assets/): `screenshot-facedetect.jpg` (800×718: five
 * group photos on top, five face portraits below — one man, four women), `screenshot-faceid.jpg` (one man's face),
 * `samples.jpg` (1280×1158: sample photos and a group of people).
 */
export function humanSample(name: 'screenshot-facedetect.jpg' | 'screenshot-faceid.jpg' | 'samples.jpg'): string {
  const require = createRequire(import.meta.url);
  return join(dirname(dirname(require.resolve('@vladmandic/human'))), 'assets', name);
}

/** Lower case without accents or punctuation, single spaces: for comparisons that forgive accents. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function noisyGradient(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const noise = (state >> 16) & 63;
      const i = (y * width + x) * 3;
      pixels[i] = ((x * 200) / width + noise) & 255;
      pixels[i + 1] = ((y * 180) / height + noise) & 255;
      pixels[i + 2] = 90 + noise;
    }
  }
  return pixels;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
