// Embedded metadata: what an agency's XMP says is read on ingest (exifr), and the current metadata is written back
// into a copy of a JPEG or PNG (xmp-writer.ts) that an independent reader (exifr) reads back, pixels untouched.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import exifr from 'exifr';
import sharp from 'sharp';
import { makeJpegWithExif, makeJpegWithExtendedXmp, makeJpegWithXmp } from '../../test/support/images.ts';
import { readEmbeddedMetadata } from './embedded-metadata.ts';
import { EmbedError, embedXmp } from './xmp-writer.ts';

test('XMP written by another tool: headline, caption, keywords, creator, credit, copyright, usage terms, place', async () => {
  const embedded = await readEmbeddedMetadata(await makeJpegWithXmp({ width: 64, height: 48 }));
  assert.deepEqual(embedded, {
    headline: 'Pleno del Congreso',
    caption: 'Los diputados votan los presupuestos',
    keywords: ['congreso', 'presupuestos'],
    fields: { creator: 'Ana Gómez', credit: 'EFE', copyright: '© EFE 2026', usageTerms: 'Solo uso editorial', location: 'Madrid, España' },
  });
  assert.deepEqual(await readEmbeddedMetadata(Buffer.from('not an image')), {});
});

test('extended XMP (a packet over several segments) is read from a file: the caption written after 150 KB of history', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mt-extended-xmp-'));
  try {
    const file = join(dir, 'extended.jpg');
    writeFileSync(file, await makeJpegWithExtendedXmp('Pleno del Congreso', 'Los diputados votan los presupuestos'));
    assert.deepEqual(await readEmbeddedMetadata(file), { headline: 'Pleno del Congreso', caption: 'Los diputados votan los presupuestos' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const metadata = {
  title: 'Pleno <extraordinario> & votación',
  description: 'Los diputados votan',
  keywords: ['congreso', 'pleno'],
  fields: { credit: 'EFE / Ana', copyright: '© EFE 2026', creator: 'Ana Gómez', usageTerms: 'Solo uso editorial', location: 'Madrid', section: 'politics', topics: ['budget', 'election'], rating: 4 },
};

test('JPEG: the packet replaces the old XMP, EXIF and every pixel stay, an independent reader reads it back', async () => {
  const original = await makeJpegWithXmp({ width: 64, height: 48 });
  const embedded = embedXmp(original, 'image/jpeg', metadata);
  const read = await exifr.parse(embedded, { xmp: true, iptc: false, tiff: true, mergeOutput: false });
  // exifr leaves XML character references as written
  assert.equal(read.dc.title.value ?? read.dc.title, 'Pleno &lt;extraordinario&gt; &amp; votación');
  assert.deepEqual(read.dc.subject, ['congreso', 'pleno']);
  assert.equal(read.photoshop.Credit, 'EFE / Ana');
  assert.equal(read.mediateca.section, 'politics');
  assert.equal(read.ifd0.Make, 'Fujifilm', 'EXIF kept');
  const back = await readEmbeddedMetadata(embedded);
  assert.equal(back.headline, metadata.title);
  assert.deepEqual(back.fields, { creator: 'Ana Gómez', credit: 'EFE / Ana', copyright: '© EFE 2026', usageTerms: 'Solo uso editorial', location: 'Madrid' });
  assert.equal(embedded.toString('latin1').split('http://ns.adobe.com/xap/1.0/\0').length, 2, 'one XMP segment: the old one is gone');
  const pixels = async (file: Buffer) => (await sharp(file).raw().toBuffer());
  assert.ok((await pixels(embedded)).equals(await pixels(original)), 'the image data is not re-encoded');
  assert.ok(embedXmp(embedded, 'image/jpeg', { title: 'Otra' }).length < embedded.length, 'embedding again replaces, never stacks');
});

test('PNG: an iTXt chunk after IHDR with valid CRCs; other formats and broken files are refused', async () => {
  const png = await sharp(await makeJpegWithExif({ width: 32, height: 24 })).png().toBuffer();
  const embedded = embedXmp(png, 'image/png', metadata);
  const read = await exifr.parse(embedded, { xmp: true, mergeOutput: false });
  assert.equal(read.photoshop.Credit, 'EFE / Ana');
  const pixels = async (file: Buffer) => (await sharp(file).raw().toBuffer());
  assert.ok((await pixels(embedded)).equals(await pixels(png)));
  await sharp(embedded, { failOn: 'warning' }).stats(); // libpng checks every chunk's CRC
  assert.throws(() => embedXmp(png, 'video/mp4', metadata), EmbedError);
  assert.throws(() => embedXmp(Buffer.from('GIF89a'), 'image/jpeg', metadata), /not a JPEG/);
  assert.throws(() => embedXmp(Buffer.concat([png.subarray(0, 8), Buffer.from([0, 0, 0, 200])]), 'image/png', metadata), /malformed PNG/);
});
