import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidTransition, assertTransition, canTransition, extensionOf, mediaTypeOf, safeFilename } from './asset.ts';

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
