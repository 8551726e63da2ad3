import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentTypeFor, sniffContentType } from './sniff.ts';

test('media formats are recognised from their first bytes', () => {
  const cases: [Buffer, string][] = [
    [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'image/jpeg'],
    [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]), 'image/png'],
    [Buffer.from('GIF89a....'), 'image/gif'],
    [Buffer.from('RIFF\0\0\0\0WEBPVP8 '), 'image/webp'],
    [Buffer.from('RIFF\0\0\0\0WAVEfmt '), 'audio/wav'],
    [Buffer.from('\0\0\0\x18ftypheic'), 'image/heic'],
    [Buffer.from('\0\0\0\x18ftypisom'), 'video/mp4'],
    [Buffer.from('\0\0\0\x14ftypqt  '), 'video/quicktime'],
    [Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from('....B\x82\x84webm')]), 'video/webm'],
    [Buffer.from('ID3\x04\0'), 'audio/mpeg'],
    [Buffer.from('%PDF-1.7'), 'application/pdf'],
  ];
  for (const [bytes, type] of cases) assert.equal(sniffContentType(bytes), type, type);
  assert.equal(sniffContentType(Buffer.from('hello')), undefined);
});

test('the bytes win over the header; an unknown file keeps a specific declared type', () => {
  assert.equal(contentTypeFor(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'application/octet-stream'), 'image/jpeg');
  assert.equal(contentTypeFor(Buffer.from('<svg'), 'image/svg+xml; charset=utf-8'), 'image/svg+xml');
  assert.equal(contentTypeFor(Buffer.from('hello'), 'text/plain'), 'application/octet-stream');
  assert.equal(contentTypeFor(Buffer.from('hello'), undefined), 'application/octet-stream');
});
