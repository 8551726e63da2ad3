// Video and audio through the whole pipeline, driven as a client: real media made by ffmpeg, every
// output checked with ffprobe through its presigned URL.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { Client } from '../support/client.ts';
import { decodeErrors, inspect, mediaCorpus, type MediaCorpus } from '../support/media-corpus.ts';
import type { E2eEnvironment } from './pipeline-suite.ts';

export function mediaSuite(mode: string, start: () => Promise<E2eEnvironment | undefined>) {
  describe(`video and audio end to end (${mode})`, () => {
    let env: E2eEnvironment | undefined;
    let editor: Client;
    let admin: Client;
    let corpus: MediaCorpus;

    before(async () => {
      env = await start();
      if (!env) return;
      corpus = await mediaCorpus();
      editor = new Client(env.host.url, await env.host.platform.signer!.mint('editor-1', { newsroom: 'editor' }));
      admin = new Client(env.host.url, await env.host.platform.signer!.mint('admin-1', { newsroom: 'admin' }));
    });

    const upload = async (file: string, name: string, contentType: string) => editor.upload(await readFile(file), name, contentType);
    const settle = (assetId: string, watch?: (asset: any) => void) =>
      editor.waitForAsset(assetId, (a) => { watch?.(a); return a.state === 'ready' || a.state === 'failed'; }, 180_000);

    test('a 1080p H.264 clip gets metadata, preview, proxy, poster, sprite, waveform; progress shows while it works', async (t) => {
      if (!env) return t.skip('servers missing');
      const { assetId } = await upload(corpus.video1080p, 'Pleno del Congreso.mp4', 'video/mp4');
      const progressSeen: any[] = [];
      const asset = await settle(assetId, (a) => { if (a.progress) progressSeen.push(a.progress); });
      assert.equal(asset.state, 'ready', asset.stateReason);
      assert.equal(asset.stateReason, null, 'HLS switched off is not a missing rendition');
      assert.ok(progressSeen.length > 0, 'GET /assets/:id showed progress while transcoding');
      assert.ok(progressSeen.every((p) => typeof p.stage === 'string' && p.percent >= 0 && p.percent <= 100));
      assert.equal(asset.progress, null, 'progress is cleared when the job ends');
      const technical = asset.metadata.technical;
      assert.equal(technical.kind, 'video');
      assert.equal(technical.video.width, 1920);
      assert.ok(Math.abs(technical.durationSeconds - 4) < 0.2);
      assert.equal(technical.audio.channels, 2);
      const byName = Object.fromEntries(asset.renditions.map((r: any) => [r.name, r]));
      for (const name of ['preview', 'proxy', 'poster', 'sprite', 'sprite-vtt', 'waveform', 'waveform-peaks']) assert.ok(byName[name], `${name} rendition`);

      const preview = await inspect(byName.preview.url);
      const video = preview.streams.find((s) => s.codec_type === 'video')!;
      assert.equal(video.codec_name, 'h264');
      assert.equal(video.height, 720);
      assert.equal(preview.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
      assert.ok(Math.abs(Number(preview.format.duration) - 4) < 0.3);
      assert.equal(await decodeErrors(byName.preview.url), '', 'the preview plays cleanly');
      const proxy = await inspect(byName.proxy.url);
      assert.equal(proxy.streams.find((s) => s.codec_type === 'video')!.height, 1080);
      for (const name of ['preview', 'proxy', 'waveform', 'waveform-peaks', 'sprite-vtt']) {
        assert.ok(Math.abs(byName[name].duration - 4) < 0.1, `${name} lasts ${byName[name].duration} s`);
      }
      assert.equal(byName.poster.duration, null, 'a still has no duration');
      const peaks = await (await fetch(byName['waveform-peaks'].url)).json();
      assert.equal(peaks.data.length, peaks.length * 2, 'min/max pairs');
      assert.ok(peaks.data.every((v: number) => v >= -1 && v <= 1));
      assert.ok(Math.max(...peaks.data) > 0.05, 'the tone (amplitude 1/8) shows in the peaks');
      const poster = await fetch(byName.poster.url);
      assert.equal(poster.headers.get('content-type'), 'image/jpeg');
    });

    test('the thumbnails track works in a player: fetched without a token, each cue is a sprite URL that loads', async (t) => {
      if (!env) return t.skip('servers missing');
      const asset = await settle((await upload(corpus.portrait, 'vertical.mp4', 'video/mp4')).assetId);
      assert.equal(asset.state, 'ready', asset.stateReason);
      const track = asset.renditions.find((r: any) => r.name === 'sprite-vtt');
      const response = await fetch(track.url);
      assert.equal(response.status, 200, await response.clone().text());
      assert.match(response.headers.get('content-type')!, /^text\/vtt/);
      const vtt = await response.text();
      assert.match(vtt, /^WEBVTT\n/);
      const cues = [...vtt.matchAll(/^\S+ --> \S+\n(.+)$/gm)].map((cue) => cue[1]!);
      assert.equal(cues.length, 3);
      // a player resolves each cue against the track's URL, as the URL constructor does
      const spriteUrl = new URL(cues[1]!, track.url);
      assert.match(spriteUrl.hash, /^#xywh=160,0,160,284$/);
      const sprite = await fetch(spriteUrl);
      assert.equal(sprite.status, 200);
      assert.equal(sprite.headers.get('content-type'), 'image/jpeg');
      assert.ok((await sprite.arrayBuffer()).byteLength > 1000);

      const forged = new URL(track.url);
      forged.searchParams.set('expires', String(Number(forged.searchParams.get('expires')) + 3600));
      assert.equal((await fetch(forged)).status, 403, 'a later expiry needs a new signature');
      const other = new URL(track.url.replace(asset.id, '00000000-0000-4000-8000-000000000000'));
      assert.equal((await fetch(other)).status, 403, 'the signature is for this asset only');
    });

    test('an audio file gets an MP3 preview and a waveform', async (t) => {
      if (!env) return t.skip('servers missing');
      const { assetId } = await upload(corpus.wav, 'Entrevista alcaldesa.wav', 'audio/wav');
      const asset = await settle(assetId);
      assert.equal(asset.state, 'ready', asset.stateReason);
      const byName = Object.fromEntries(asset.renditions.map((r: any) => [r.name, r]));
      const preview = await inspect(byName.preview.url);
      assert.equal(preview.streams[0]!.codec_name, 'mp3');
      assert.ok(Math.abs(byName.preview.duration - 4) < 0.15, `preview lasts ${byName.preview.duration} s`);
      assert.ok(Math.abs(Number(preview.format.duration) - 4) < 0.3);
      assert.ok(byName.waveform && byName['waveform-peaks']);
      const found = await editor.waitForSearch('q=alcaldesa&mediaType=audio', (r) => r.hits?.some((h: any) => h.assetId === assetId));
      assert.ok(found.total >= 1);
    });

    test('a truncated video fails with a readable reason and nothing is indexed', async (t) => {
      if (!env) return t.skip('servers missing');
      const { assetId } = await upload(corpus.truncated, 'cortado.mp4', 'video/mp4');
      const asset = await settle(assetId);
      assert.equal(asset.state, 'failed');
      assert.match(asset.stateReason, /^the file is truncated: the MP4 ends before its index/);
      assert.equal(asset.renditions.length, 0);
      assert.equal((await editor.request('GET', '/search?q=cortado')).body.hits.length, 0);
    });

    test('a video or an MP3 cut to 40 % fails as truncated, saying how much of it decoded', async (t) => {
      if (!env) return t.skip('servers missing');
      const video = await settle((await upload(corpus.truncatedFaststart, 'cortado-rapido.mp4', 'video/mp4')).assetId);
      assert.equal(video.state, 'failed');
      assert.equal(video.stateReason, 'the file is truncated: only 1.6 s of 4.0 s could be decoded');
      assert.deepEqual(video.renditions, [], 'nothing of a truncated file is published');
      const audio = await settle((await upload(corpus.truncatedMp3, 'cortado.mp3', 'audio/mpeg')).assetId);
      assert.equal(audio.state, 'failed');
      assert.equal(audio.stateReason, 'the file is truncated: only 1.6 s of 4.0 s could be decoded');
    });

    test('video without audio is ready, and says which renditions were not made and why', async (t) => {
      if (!env) return t.skip('servers missing');
      const { assetId } = await upload(corpus.noAudio, 'sin sonido.mp4', 'video/mp4');
      const asset = await settle(assetId);
      assert.equal(asset.state, 'ready', asset.stateReason);
      assert.ok(!asset.renditions.some((r: any) => r.name === 'waveform'));
      assert.match(asset.stateReason, /waveform/);
    });

    test('a text file posing as MP3 fails; an MP3 labelled as video is stored and rendered as the audio it is', async (t) => {
      if (!env) return t.skip('servers missing');
      const fake = await settle((await upload(corpus.textAsMp3, 'notas.mp3', 'audio/mpeg')).assetId);
      assert.equal(fake.state, 'failed');
      assert.ok(fake.stateReason);
      const mislabelled = await settle((await upload(corpus.mp3, 'clip.mp4', 'video/mp4')).assetId);
      assert.equal(mislabelled.state, 'ready', mislabelled.stateReason);
      // the bytes correct the claim at verification (upload-complete), before transcode sees the asset
      assert.equal(mislabelled.contentType, 'audio/mpeg');
      assert.equal(mislabelled.mediaType, 'audio');
      assert.ok(mislabelled.renditions.some((r: any) => r.name === 'preview' && r.contentType === 'audio/mpeg'));
    });

    test('an admin reprocess makes the renditions again; editors may not', async (t) => {
      if (!env) return t.skip('servers missing');
      const { assetId } = await upload(corpus.flac, 'reprocesar.flac', 'audio/flac');
      const first = await settle(assetId);
      assert.equal(first.state, 'ready', first.stateReason);
      assert.equal((await editor.request('POST', `/assets/${assetId}/reprocess`)).status, 403);
      const accepted = await admin.request('POST', `/assets/${assetId}/reprocess`);
      assert.equal(accepted.status, 202);
      const again = await editor.waitForAsset(assetId, (a) => a.version > first.version + 1 && (a.state === 'ready' || a.state === 'failed'), 120_000);
      assert.equal(again.state, 'ready');
      const history = (await editor.request('GET', `/assets/${assetId}/history`)).body.events.map((e: any) => e.type);
      assert.ok(history.includes('reprocess-requested'));
      assert.equal(history.filter((type: string) => type === 'rendered').length, 2);
    });

    test('a project with HLS switched on gets a 360p + 720p ladder with a master playlist', async (t) => {
      if (!env) return t.skip('servers missing');
      assert.equal((await editor.request('PUT', '/projects/newsroom/settings', { hls: true })).status, 403, 'settings are for admins');
      assert.equal((await admin.request('PUT', '/projects/newsroom/settings', { hls: 'yes' })).status, 400);
      assert.equal((await admin.request('PUT', '/projects/newsroom/settings', { hls: true })).status, 200);
      try {
        const asset = await settle((await upload(corpus.blackStart, 'streaming.mp4', 'video/mp4')).assetId);
        assert.equal(asset.state, 'ready', asset.stateReason);
        const hls = asset.renditions.find((r: any) => r.name === 'hls');
        assert.ok(hls, 'hls rendition');
        const master = await (await fetch(hls.url)).text();
        assert.match(master, /^#EXTM3U/);
        assert.equal(master.match(/#EXT-X-STREAM-INF/g)?.length, 2);
        assert.match(master, /RESOLUTION=640x360/);
        assert.match(master, /RESOLUTION=1280x720/);
      } finally {
        await admin.request('PUT', '/projects/newsroom/settings', { hls: false });
      }
    });
  });
}
