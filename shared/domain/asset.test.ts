import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidTransition, assertTransition, canTransition, checkContentType, extensionOf, mediaTypeOf, safeFilename } from './asset.ts';

test('the upload path moves forward only', () => {
  assert.ok(canTransition('uploading', 'uploaded'));
  assert.ok(canTransition('uploaded', 'processing'));
  assert.ok(canTransition('processing', 'ready'));
  assert.ok(!canTransition('uploading', 'ready'), 'verification cannot be skipped');
  assert.ok(!canTransition('ready', 'uploading'));
  assert.throws(() => assertTransition('deleted', 'processing'), InvalidTransition);
});

test('failed assets keep a way back: reprocess, archive or delete', () => {
  for (const to of ['processing', 'archived', 'deleted'] as const) assert.ok(canTransition('failed', to));
  assert.ok(canTransition('deleted', 'ready'), 'soft delete can be undone within retention');
});

test('media types come from the content type', () => {
  assert.equal(mediaTypeOf('image/jpeg'), 'image');
  assert.equal(mediaTypeOf('VIDEO/mp4'), 'video');
  assert.equal(mediaTypeOf('audio/mpeg'), 'audio');
  assert.equal(mediaTypeOf('application/pdf'), 'document');
  assert.equal(mediaTypeOf('application/octet-stream'), 'other');
});

test('client filenames cannot steer storage paths', () => {
  assert.equal(safeFilename('../../etc/passwd'), 'passwd');
  assert.equal(safeFilename('C:\\Users\\ana\\foto.jpg'), 'foto.jpg');
  assert.equal(safeFilename('.hidden'), 'hidden');
  assert.equal(safeFilename('a\u0000b\nc.jpg'), 'abc.jpg');
  assert.equal(safeFilename('Canción del árbol.jpg'), 'Canción del árbol.jpg');
  assert.equal(safeFilename('...'), 'file');
  assert.equal(safeFilename('x<y>|z.png'), 'x_y__z.png');
  assert.equal(extensionOf('photo.JPG'), 'jpg');
  assert.equal(extensionOf('noext'), 'bin');
});

test('a long filename is cut in its stem and keeps its extension', () => {
  const long = `${'a'.repeat(1000)}.jpeg`;
  const kept = safeFilename(long);
  assert.equal(kept.length, 200);
  assert.ok(kept.endsWith('.jpeg'));
  assert.equal(extensionOf(kept), 'jpeg');
  const astral = `${'😀'.repeat(300)}.mp4`;
  const cut = safeFilename(astral);
  assert.ok(cut.endsWith('.mp4'));
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), 'no half surrogate pair');
  assert.equal(safeFilename(`${'b'.repeat(300)}`), 'b'.repeat(200), 'no extension: plain cut');
});

test('checkContentType: the bytes correct a wrong media claim; markup is never media', () => {
  assert.deepEqual(checkContentType('image/png', 'image/jpeg', false), { ok: true, contentType: 'image/jpeg', mediaType: 'image', corrected: true });
  assert.deepEqual(checkContentType('image/png', 'video/mp4', false), { ok: true, contentType: 'video/mp4', mediaType: 'video', corrected: true });
  assert.deepEqual(checkContentType('image/png', 'image/png', false), { ok: true, contentType: 'image/png', mediaType: 'image', corrected: false });
  assert.deepEqual(checkContentType('image/png', undefined, false), { ok: true, contentType: 'image/png', mediaType: 'image', corrected: false });
  assert.deepEqual(checkContentType('audio/mp4', 'video/mp4', false), { ok: true, contentType: 'audio/mp4', mediaType: 'audio', corrected: false });
  assert.deepEqual(checkContentType('application/octet-stream', 'image/png', false), { ok: true, contentType: 'image/png', mediaType: 'image', corrected: true });
  assert.deepEqual(checkContentType('application/pdf', 'application/zip', false), { ok: true, contentType: 'application/pdf', mediaType: 'document', corrected: false });
  const svgAsPng = checkContentType('image/png', undefined, true);
  assert.equal(svgAsPng.ok, false);
  assert.match((svgAsPng as { reason: string }).reason, /markup \(SVG, HTML or XML\), not image\/png/);
  assert.equal(checkContentType('image/svg+xml', 'application/xml', true).ok, false);
  assert.equal(checkContentType('text/xml', 'application/xml', true).ok, true, 'markup declared as markup is a document, not media');
  const zipAsVideo = checkContentType('video/mp4', 'application/zip', false);
  assert.deepEqual(zipAsVideo, { ok: false, reason: 'the file was declared video/mp4, but its bytes are application/zip' });
});
