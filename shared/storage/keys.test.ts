import assert from 'node:assert/strict';
import { test } from 'node:test';
import { masterKey, originalKey, renditionKey } from './keys.ts';

test('every object of an asset lives under <project>/<asset>/', () => {
  const original = originalKey('newsroom', 'a1', 'mp4');
  assert.equal(original, 'newsroom/a1/original.mp4');
  assert.equal(masterKey(original), original);
  assert.equal(renditionKey('newsroom', 'a1', 'hls/720p/index.m3u8'), 'newsroom/a1/hls/720p/index.m3u8');
});

test('ids and rendition paths cannot climb out of the asset folder', () => {
  assert.throws(() => originalKey('news/room', 'a1', 'mp4'), /project id "news\/room" cannot be part of an object key/);
  assert.throws(() => originalKey('newsroom', '..', 'mp4'), /asset id/);
  for (const path of ['../other/original.mp4', '/preview.mp4', 'hls//index.m3u8', 'hls/../../x', '']) {
    assert.throws(() => renditionKey('newsroom', 'a1', path), /must be relative/, path);
  }
});
