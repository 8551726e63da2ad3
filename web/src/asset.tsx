// One asset: the media (zoomable image; video on its preview with the sprite thumbnails on a timeline; audio),
// transcript that seeks, OCR text, labels to accept or reject, faces and their people, technical metadata, the
// editable fields (per-field errors, optimistic concurrency) and downloads of renditions and the original.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, describeProblem, type Asset, type Label } from './api';
import { EditForm } from './fields';
import { Header } from './header';
import { listenForChanges } from './live';

interface Cue { start: number; end: number; url: string; x: number; y: number; w: number; h: number }
interface Segment { start: number; end: number; text: string }

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'audio/mpeg': 'mp3', 'application/vnd.apple.mpegurl': 'm3u8', 'application/x-mpegurl': 'm3u8' };
const extensionFor = (contentType: string) => EXTENSIONS[contentType] ?? contentType.split('/').pop()!.replace(/^x-/, '');
const bytes = (n: number) => (n > 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.ceil(n / 1e3)} kB`);

export function AssetPage({ id, onSignOut }: { id: string; onSignOut: () => void }) {
  const [asset, setAsset] = useState<Asset>();
  const [error, setError] = useState<string>();
  const player = useRef<HTMLMediaElement>(null);
  const load = useCallback(async () => {
    const { data, error: problem } = await api.GET('/assets/{id}', { params: { path: { id } } });
    if (data) setAsset(data);
    else setError(describeProblem(problem));
  }, [id]);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => listenForChanges((change) => { if (change.assetId === id) void load(); }, () => {}), [id, load]);
  useEffect(() => { document.getElementById('asset-title')?.focus(); }, [asset?.id]);

  const seek = (seconds: number) => {
    if (!player.current) return;
    player.current.currentTime = seconds;
    void player.current.play().catch(() => {});
  };
  if (error) return <div class="layout"><Header onSignOut={onSignOut} /><main class="asset"><p class="error" role="alert">{error}</p><a href="#/">Back to the library</a></main></div>;
  if (!asset) return <div class="layout"><Header onSignOut={onSignOut} /><main class="asset"><p role="status">Loading…</p></main></div>;
  const terms = searchTerms(sessionStorage.getItem('mediateca.q') ?? '');
  const ai = (asset.metadata.ai ?? {}) as { ocr?: { text?: string }; transcript?: { segments?: Segment[]; text?: string }; parts?: Record<string, { status: string; reason?: string }> };
  const technical = Object.entries(asset.metadata).filter(([kind]) => kind !== 'ai');

  return (
    <div class="layout">
      <Header onSignOut={onSignOut} />
      <main class="asset">
        <nav><a href="#/">← Library</a></nav>
        <h1 id="asset-title" tabIndex={-1}>{asset.title}</h1>
        <p class="meta-line"><span class={`state ${asset.state}`}>{asset.state}</span> {asset.mediaType} · {asset.filename} · {bytes(asset.size)}{asset.stateReason ? ` · ${asset.stateReason}` : ''}</p>
        <div class="asset-columns">
          <div class="media-column">
            <Media asset={asset} player={player} />
            {ai.transcript?.segments && ai.transcript.segments.length > 0 && (
              <section aria-labelledby="transcript-h">
                <h2 id="transcript-h">Transcript</h2>
                <ol class="transcript">
                  {ai.transcript.segments.map((s) => (
                    <li key={s.start} data-start={s.start}><button type="button" class="time" onClick={() => seek(s.start)} aria-label={`Play from ${clock(s.start)}`}>{clock(s.start)}</button> <Highlighted text={s.text} terms={terms} /></li>
                  ))}
                </ol>
              </section>
            )}
            {ai.ocr?.text && (
              <section aria-labelledby="ocr-h">
                <h2 id="ocr-h">Text in the image</h2>
                <pre class="ocr" data-testid="ocr-text">{ai.ocr.text}</pre>
              </section>
            )}
          </div>
          <div class="side-column">
            <EditForm asset={asset} onSaved={setAsset} />
            <Labels asset={asset} onChanged={load} />
            <Faces asset={asset} onChanged={load} />
            <Downloads asset={asset} />
            {technical.length > 0 && (
              <section aria-labelledby="tech-h">
                <h2 id="tech-h">Technical metadata</h2>
                {technical.map(([kind, fields]) => (
                  <details key={kind} open={kind !== 'exif'}>
                    <summary>{kind}</summary>
                    <dl class="tech">
                      {Object.entries(fields).filter(([, v]) => v !== null && typeof v !== 'object').map(([name, value]) => <><dt>{name}</dt><dd>{String(value)}</dd></>)}
                    </dl>
                  </details>
                ))}
              </section>
            )}
            {ai.parts && (
              <section aria-labelledby="ai-h">
                <h2 id="ai-h">Analysis</h2>
                <ul class="parts">{Object.entries(ai.parts).map(([part, outcome]) => <li key={part}>{part}: {outcome.status}{outcome.reason ? ` (${outcome.reason})` : ''}</li>)}</ul>
              </section>
            )}
          </div>
        </div>
      </main>
    </div>
  );
}

/** Letters only, lower case, without accents: how a word is compared with a search's words. */
const fold = (word: string) => word.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
/** The words of the library's search (the one that led here), folded; quoted phrases and operators are plain words here. */
const searchTerms = (q: string) => q.split(/\s+/).map(fold).filter((term) => term.length > 1);

/** The text with the words a search matched marked: a word matches a search word it begins with (search stems: elecciones, elección). */
function Highlighted({ text, terms }: { text: string; terms: string[] }) {
  if (terms.length === 0) return <>{text}</>;
  return <>{text.split(/(\s+)/).map((part, i) => {
    const word = fold(part);
    return word && terms.some((term) => word.startsWith(term) || term.startsWith(word) && word.length >= 4) ? <mark key={i}>{part}</mark> : part;
  })}</>;
}

function rendition(asset: Asset, name: string) {
  return asset.renditions.find((r) => r.name === name);
}

function Media({ asset, player }: { asset: Asset; player: { current: HTMLMediaElement | null } }) {
  const [zoomed, setZoomed] = useState(false);
  const preview = rendition(asset, 'preview');
  if (asset.mediaType === 'image' && preview) {
    return (
      <figure class={zoomed ? 'image zoomed' : 'image'}>
        <button type="button" class="zoom" onClick={() => setZoomed(!zoomed)} aria-pressed={zoomed} aria-label={zoomed ? 'Fit to the page' : 'Zoom to full size'}>
          <img src={preview.url} alt={asset.title} />
        </button>
      </figure>
    );
  }
  if (asset.mediaType === 'video' && preview) return <VideoPlayer asset={asset} src={preview.url} player={player} />;
  if (asset.mediaType === 'audio' && preview) return <AudioPlayer asset={asset} src={preview.url} player={player} />;
  return <p class="placeholder-media">{asset.state === 'ready' ? 'No preview for this file.' : `Preview once processed (${asset.state}).`}</p>;
}

/** The MP3 preview in a native player over its waveform (the `waveform` rendition); a click on the waveform seeks there. */
function AudioPlayer({ asset, src, player }: { asset: Asset; src: string; player: { current: HTMLMediaElement | null } }) {
  const [time, setTime] = useState(0);
  const waveform = rendition(asset, 'waveform');
  const duration = rendition(asset, 'preview')?.duration ?? 0;
  const seekTo = (seconds: number) => { if (player.current) player.current.currentTime = Math.min(duration, Math.max(0, seconds)); };
  return (
    <figure class="audio">
      {waveform && duration > 0 && (
        <div
          class="waveform"
          data-testid="waveform"
          role="slider"
          tabIndex={0}
          aria-label="Waveform: position in the audio"
          aria-valuemin={0}
          aria-valuemax={Math.round(duration)}
          aria-valuenow={Math.round(time)}
          aria-valuetext={clock(time)}
          onClick={(e) => { const box = e.currentTarget.getBoundingClientRect(); seekTo(((e.clientX - box.left) / box.width) * duration); }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight') seekTo(time + 5);
            if (e.key === 'ArrowLeft') seekTo(time - 5);
          }}
        >
          <img src={waveform.url} alt="" />
          <div class="played" style={{ width: `${(100 * time) / duration}%` }} />
        </div>
      )}
      <audio ref={player as never} controls preload="metadata" src={src} class="audio" aria-label={`Audio: ${asset.title}`} onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)} />
    </figure>
  );
}

/** How a video plays: its HLS ladder through hls.js (Media Source Extensions), the browser's own HLS, or the 720p MP4. */
type Playback = 'hls' | 'native-hls' | 'mp4';

/**
 * Plays the asset's HLS ladder when it has one (hls.js, loaded only here so the library's bundle stays as it is;
 * the browser's own HLS where Media Source Extensions are missing), else the preview MP4; a ladder that fails to
 * load falls back to the MP4 too.
 */
function usePlayback(video: { current: HTMLMediaElement | null }, hlsUrl: string | undefined, mp4Url: string): Playback | undefined {
  const [playback, setPlayback] = useState<Playback>();
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const play = (url: string, how: Playback) => { element.src = url; setPlayback(how); };
    if (!hlsUrl) {
      play(mp4Url, 'mp4');
      return;
    }
    let stopped = false;
    let stop: (() => void) | undefined;
    import('hls.js').then(({ default: Hls }) => {
      if (stopped) return;
      if (!Hls.isSupported()) {
        if (element.canPlayType('application/vnd.apple.mpegurl')) play(hlsUrl, 'native-hls');
        else play(mp4Url, 'mp4');
        return;
      }
      const hls = new Hls();
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        hls.destroy();
        play(mp4Url, 'mp4');
      });
      hls.loadSource(hlsUrl);
      hls.attachMedia(element);
      stop = () => hls.destroy();
      setPlayback('hls');
    }).catch(() => { if (!stopped) play(mp4Url, 'mp4'); });
    return () => { stopped = true; stop?.(); };
  }, [hlsUrl, mp4Url]);
  return playback;
}

/** The video (usePlayback), and a timeline under it whose hover shows the sprite thumbnail of that moment. */
function VideoPlayer({ asset, src, player }: { asset: Asset; src: string; player: { current: HTMLMediaElement | null } }) {
  const playback = usePlayback(player, rendition(asset, 'hls')?.url, src);
  const [cues, setCues] = useState<Cue[]>([]);
  const [hover, setHover] = useState<{ x: number; cue: Cue; time: number }>();
  const [time, setTime] = useState(0);
  const track = rendition(asset, 'sprite-vtt');
  const duration = rendition(asset, 'preview')?.duration ?? 0;
  useEffect(() => {
    if (!track) return;
    void fetch(track.url).then((r) => r.text()).then((text) => setCues(parseThumbnails(text)));
  }, [track?.url]);
  // a removed <video> keeps its connection until it is collected: let go of it when the page changes
  useEffect(() => () => {
    const video = player.current;
    if (!video) return;
    video.pause();
    video.removeAttribute('src');
    video.load();
  }, []);
  const timeAt = (event: MouseEvent) => {
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    return { x: event.clientX - box.left, time: fraction * duration };
  };
  return (
    <figure class="video">
      <video ref={player as never} controls preload="metadata" data-player={playback} poster={rendition(asset, 'poster')?.url} onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)} aria-label={`Video: ${asset.title}`} />
      {duration > 0 && (
        <div
          class="timeline"
          role="slider"
          tabIndex={0}
          aria-label="Timeline"
          aria-valuemin={0}
          aria-valuemax={Math.round(duration)}
          aria-valuenow={Math.round(time)}
          aria-valuetext={clock(time)}
          onMouseMove={(e) => { const at = timeAt(e); const cue = cues.find((c) => at.time >= c.start && at.time < c.end) ?? cues.at(-1); setHover(cue ? { ...at, cue } : undefined); }}
          onMouseLeave={() => setHover(undefined)}
          onClick={(e) => { if (player.current) player.current.currentTime = timeAt(e).time; }}
          onKeyDown={(e) => {
            if (!player.current) return;
            if (e.key === 'ArrowRight') player.current.currentTime = Math.min(duration, time + 5);
            if (e.key === 'ArrowLeft') player.current.currentTime = Math.max(0, time - 5);
          }}
        >
          <div class="played" style={{ width: `${(100 * time) / duration}%` }} />
          {hover && (
            <div class="sprite-preview" data-testid="sprite-preview" style={{ left: `${hover.x}px`, width: `${hover.cue.w}px`, height: `${hover.cue.h}px`, backgroundImage: `url("${hover.cue.url}")`, backgroundPosition: `-${hover.cue.x}px -${hover.cue.y}px` }}>
              <span>{clock(hover.time)}</span>
            </div>
          )}
        </div>
      )}
    </figure>
  );
}

/** WebVTT thumbnail cues: `00:00:01.000 --> 00:00:02.000` then `https://…/sprite.jpg#xywh=x,y,w,h`. */
function parseThumbnails(vtt: string): Cue[] {
  const seconds = (t: string) => t.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
  const cues: Cue[] = [];
  const blocks = vtt.replace(/\r/g, '').split('\n\n');
  for (const block of blocks) {
    const lines = block.split('\n').filter(Boolean);
    const timing = lines.findIndex((l) => l.includes('-->'));
    const target = lines[timing + 1];
    if (timing < 0 || !target) continue;
    const [start, end] = lines[timing]!.split('-->').map((s) => seconds(s.trim().split(' ')[0]!));
    const match = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(target);
    if (match) cues.push({ start: start!, end: end!, url: match[1]!, x: Number(match[2]), y: Number(match[3]), w: Number(match[4]), h: Number(match[5]) });
  }
  return cues;
}

function Labels({ asset, onChanged }: { asset: Asset; onChanged: () => void }) {
  const [error, setError] = useState<string>();
  if (asset.ai.labels.length === 0) return null;
  const decide = async (label: Label, status: 'accepted' | 'rejected' | 'suggested') => {
    const { error: problem } = await api.PUT('/assets/{id}/labels/{label}', { params: { path: { id: asset.id, label: label.label } }, body: { status } });
    setError(problem ? describeProblem(problem) : undefined);
    onChanged();
  };
  return (
    <section aria-labelledby="labels-h">
      <h2 id="labels-h">Labels</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <ul class="labels">
        {asset.ai.labels.map((label) => (
          <li key={label.label} class={label.status} data-label={label.label}>
            <span>{label.label}{label.labelEs ? ` / ${label.labelEs}` : ''} <small>{Math.round(label.confidence * 100)} %</small></span>
            <button type="button" aria-pressed={label.status === 'accepted'} onClick={() => decide(label, label.status === 'accepted' ? 'suggested' : 'accepted')}>Accept</button>
            <button type="button" aria-pressed={label.status === 'rejected'} onClick={() => decide(label, label.status === 'rejected' ? 'suggested' : 'rejected')}>Reject</button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Faces({ asset, onChanged }: { asset: Asset; onChanged: () => void }) {
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();
  const people = [...new Map(asset.ai.faces.map((f) => [f.personId, f])).values()];
  if (people.length === 0) return null;
  const name = async (personId: string, value: string) => {
    const { error } = await api.PATCH('/persons/{id}', { params: { path: { id: personId } }, body: { name: value.trim() || null } });
    setMessage(error ? { text: describeProblem(error), ok: false } : { text: value.trim() ? `Named ${value.trim()} on every asset showing them.` : 'Name removed.', ok: true });
    onChanged();
  };
  return (
    <section aria-labelledby="faces-h">
      <h2 id="faces-h">People</h2>
      <ul class="faces">
        {people.map((face, i) => (
          <li key={face.personId}>
            <form onSubmit={(e) => { e.preventDefault(); void name(face.personId, new FormData(e.currentTarget).get('name') as string); }}>
              <label for={`person-${i}`}>Person {i + 1}</label>
              <input id={`person-${i}`} name="name" defaultValue={face.name ?? ''} placeholder="Name this person" />
              <button type="submit">Name</button>
            </form>
          </li>
        ))}
      </ul>
      {message && <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'saved' : 'error'}>{message.text}</p>}
    </section>
  );
}

function Downloads({ asset }: { asset: Asset }) {
  const files = asset.renditions.filter((r) => r.name !== 'sprite-vtt');
  return (
    <section aria-labelledby="downloads-h">
      <h2 id="downloads-h">Downloads</h2>
      <ul class="downloads">
        {asset.downloadUrl && <li><a href={asset.downloadUrl} download={asset.filename} data-rendition="original">Original ({bytes(asset.size)})</a></li>}
        {files.map((r) => (
          <li key={r.name}><a href={r.url} download={`${asset.title}-${r.name}.${extensionFor(r.contentType)}`} data-rendition={r.name}>{r.name}{r.width ? ` ${r.width}×${r.height}` : ''} ({bytes(r.size)})</a></li>
        ))}
      </ul>
    </section>
  );
}
