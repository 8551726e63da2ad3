// XMP into TIFF and MP4 copies with ExifTool (Debian's libimage-exiftool-perl): GET /assets/:id/original?embed=xmp
// for the formats whose containers xmp-writer.ts does not rewrite itself. ExifTool writes the packet as the file's
// XMP block (TIFF: the XMP tag of IFD0; MP4/QuickTime: the XMP uuid box), replacing any there, and leaves the
// image and media data as they are. It works on a copy in a private temporary folder; the stored master is never
// touched. Spawned directly (no shell), with a time limit.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbedError } from './xmp-writer.ts';

/** The content types ExifTool writes XMP into here, with the extension it knows each by. */
export const EXIFTOOL_FORMATS: Readonly<Record<string, string>> = { 'image/tiff': 'tif', 'video/mp4': 'mp4' };

const TIMEOUT_MS = 120_000;

/** The file with the XMP packet as its XMP block; EmbedError when ExifTool refuses the file (not well formed). */
export async function embedXmpWithExiftool(file: Buffer, contentType: string, packet: string): Promise<Buffer> {
  const extension = EXIFTOOL_FORMATS[contentType];
  if (!extension) throw new EmbedError(`ExifTool writes XMP into ${Object.keys(EXIFTOOL_FORMATS).join(' and ')} here; this one is ${contentType}`);
  const dir = await mkdtemp(join(tmpdir(), 'mediateca-xmp-'));
  try {
    const input = join(dir, `original.${extension}`);
    const output = join(dir, `embedded.${extension}`);
    const sidecar = join(dir, 'metadata.xmp');
    await writeFile(input, file);
    await writeFile(sidecar, packet, 'utf8');
    await new Promise<void>((resolve, reject) => {
      execFile('exiftool', ['-q', '-q', `-XMP<=${sidecar}`, '-o', output, input], { timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
        if (!error) return resolve();
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('exiftool is not installed (Debian package libimage-exiftool-perl)'));
        if (error.killed) return reject(new Error(`exiftool did not finish within ${TIMEOUT_MS / 1000} s`));
        reject(new EmbedError(String(stderr).trim().split('\n')[0] || `exiftool failed (${error.code})`));
      });
    });
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
