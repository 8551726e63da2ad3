// The library: search box (text / semantic / hybrid), facets as filters, a virtualised grid of thumbnails paged by
// cursor, uploads by drag and drop, and live updates (GET /events) as assets change.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, describeProblem, type ListedAsset, type SearchHit, type SearchResults } from './api';
import { Header, projects } from './header';
import { listenForChanges } from './live';
import { Uploads } from './uploads';

type Mode = 'text' | 'semantic' | 'hybrid';
interface Filters { mediaType: string[]; tags: string[]; state: string[] }
interface Card { id: string; title: string; mediaType: string; state: string; thumbnailUrl?: string; progress?: string }

const PAGE = 60;
const CELL_WIDTH = 200;
const ROW_HEIGHT = 232;
const FACET_NAMES: Record<string, string> = { mediaType: 'Media type', tags: 'Tags', labels: 'Labels', state: 'State', projectId: 'Project' };

const fromListing = (a: ListedAsset): Card => ({ id: a.id, title: a.title, mediaType: a.mediaType, state: a.state, thumbnailUrl: a.thumbnailUrl, progress: a.progress ? `${a.progress.stage} ${a.progress.percent} %` : undefined });
const fromHit = (h: SearchHit): Card => ({ id: h.assetId, title: h.title, mediaType: h.mediaType, state: h.state, thumbnailUrl: h.thumbnailUrl });

export function Library({ onSignOut }: { onSignOut: () => void }) {
  const [q, setQ] = useState(() => sessionStorage.getItem('mediateca.q') ?? '');
  const [mode, setMode] = useState<Mode>('text');
  const [filters, setFilters] = useState<Filters>({ mediaType: [], tags: [], state: [] });
  const [cards, setCards] = useState<Card[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [total, setTotal] = useState<number | undefined>();
  const [facets, setFacets] = useState<SearchResults['facets']>({});
  const [semanticNote, setSemanticNote] = useState<string>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [live, setLive] = useState(false);
  /** the query whose results the grid shows (tests and bench:ui wait for it) */
  const [shownQuery, setShownQuery] = useState<string>();
  const searching = q.trim() !== '' || filters.mediaType.length + filters.tags.length + filters.state.length > 0;
  const generation = useRef(0);

  const searchQuery = useCallback((limit: number, after?: string) => ({
    q: q.trim() || undefined,
    mode: q.trim() ? mode : undefined,
    mediaType: filters.mediaType.join(',') || undefined,
    tags: filters.tags.join(',') || undefined,
    state: filters.state.join(',') || undefined,
    facets: 'mediaType,tags,labels,state',
    limit: String(limit),
    cursor: after,
  }), [q, mode, filters]);

  /** One page: the listing (every state, newest first) when nothing is asked, else search; facets come from search either way. */
  const load = useCallback(async (after?: string) => {
    const mine = after ? generation.current : ++generation.current;
    setLoading(true);
    try {
      if (searching) {
        const { data, error: problem } = await api.GET('/search', { params: { query: searchQuery(PAGE, after) } });
        if (mine !== generation.current) return;
        if (!data) throw problem;
        setCards((previous) => (after ? [...previous, ...data.hits.map(fromHit)] : data.hits.map(fromHit)));
        setCursor(data.nextCursor);
        setTotal(data.total);
        setFacets(data.facets);
        setSemanticNote(data.semantic.available || mode === 'text' || !q.trim() ? undefined : data.semantic.reason);
      } else {
        // the grid shows as soon as its page arrives; the facets follow
        if (!after) void api.GET('/search', { params: { query: searchQuery(1) } }).then(({ data: facetData }) => { if (facetData && mine === generation.current) setFacets(facetData.facets); });
        const { data, error: problem } = await api.GET('/assets', { params: { query: { limit: String(PAGE), cursor: after } } });
        if (mine !== generation.current) return;
        if (!data) throw problem;
        setCards((previous) => (after ? [...previous, ...data.assets.map(fromListing)] : data.assets.map(fromListing)));
        setCursor(data.nextCursor);
        setTotal(undefined);
        setSemanticNote(undefined);
      }
      setShownQuery(q.trim());
      setError(undefined);
    } catch (problem) {
      setError(describeProblem(problem));
    } finally {
      setLoading(false);
    }
  }, [searchQuery, searching, mode, q]);

  // a new question: first page again (typing waits for a pause)
  useEffect(() => {
    sessionStorage.setItem('mediateca.q', q);
    // typing: a short pause groups fast keystrokes; an answer to an older question is dropped (generation)
    const timer = setTimeout(() => void load(), q ? 60 : 0);
    return () => clearTimeout(timer);
  }, [load]);

  // live updates: a change to any asset refreshes the first page (debounced: one upload brings several events)
  const reload = useRef(load);
  reload.current = load;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return listenForChanges(() => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload.current(), 250);
    }, setLive);
  }, []);

  const toggle = (facet: keyof Filters, value: string) => setFilters((f) => ({ ...f, [facet]: f[facet].includes(value) ? f[facet].filter((v) => v !== value) : [...f[facet], value] }));

  return (
    <div class="layout">
      <Header onSignOut={onSignOut}>
        <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); void load(); }}>
          <label for="q" class="visually-hidden">Search</label>
          <input id="q" type="search" placeholder="Search titles, tags, text in images, speech…" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          <label for="mode" class="visually-hidden">Search mode</label>
          <select id="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)}>
            <option value="text">Text</option>
            <option value="semantic">Semantic</option>
            <option value="hybrid">Hybrid</option>
          </select>
        </form>
      </Header>
      <div class="body">
        <aside class="facets" aria-label="Filters">
          {Object.entries(facets).map(([facet, values]) => values.length > 0 && (
            <fieldset key={facet}>
              <legend>{FACET_NAMES[facet] ?? facet}</legend>
              {values.slice(0, 12).map(({ value, count }) => {
                const filterable = facet === 'mediaType' || facet === 'tags' || facet === 'state';
                const checked = filterable ? filters[facet as keyof Filters].includes(value) : q.split(/\s+/).includes(value);
                return (
                  <label key={value} class="facet">
                    <input
                      type="checkbox"
                      checked={checked}
                      data-facet={facet}
                      value={value}
                      onChange={() => (filterable ? toggle(facet as keyof Filters, value) : setQ(checked ? q.split(/\s+/).filter((w) => w !== value).join(' ') : `${q} ${value}`.trim()))}
                    />
                    <span>{value}</span> <span class="count">{count}</span>
                  </label>
                );
              })}
            </fieldset>
          ))}
        </aside>
        <main class="library">
          <Uploads projectId={projects().find((p) => p.role !== 'viewer')?.id} onChange={() => void reload.current()} />
          <p class="summary" role="status" aria-live="polite" data-query={loading ? undefined : shownQuery}>
            {loading ? 'Loading…' : searching ? `${total ?? cards.length} found` : `${cards.length}${cursor ? '+' : ''} assets, newest first`}
            {' · '}<span class={live ? 'live on' : 'live'}>{live ? 'live' : 'offline'}</span>
            {semanticNote && <span class="note"> · semantic search unavailable: {semanticNote}</span>}
          </p>
          {error && <p class="error" role="alert">{error}</p>}
          <Grid cards={cards} onEnd={() => cursor && !loading && void load(cursor)} />
        </main>
      </div>
    </div>
  );
}

/** Only the rows in view (and a few around) are in the DOM; reaching the end asks for the next page. */
function Grid({ cards, onEnd }: { cards: Card[]; onEnd: () => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800, width: 1000 });
  useLayoutEffect(() => {
    const element = scroller.current!;
    const measure = () => setView({ top: element.scrollTop, height: element.clientHeight, width: element.clientWidth });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    element.addEventListener('scroll', measure, { passive: true });
    return () => { observer.disconnect(); element.removeEventListener('scroll', measure); };
  }, []);
  const columns = Math.max(1, Math.floor(view.width / CELL_WIDTH));
  const rows = Math.ceil(cards.length / columns);
  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT) - 2);
  const last = Math.min(rows, Math.ceil((view.top + view.height) / ROW_HEIGHT) + 2);
  useEffect(() => { if (last >= rows - 1 && cards.length > 0) onEnd(); }, [last, rows, cards.length]);
  const visible = useMemo(() => cards.slice(first * columns, last * columns), [cards, first, last, columns]);
  return (
    <div class="grid-scroller" ref={scroller} tabIndex={-1}>
      {cards.length === 0 && <p class="empty">Nothing here yet: drop photos, videos or audio above.</p>}
      <ul class="grid" style={{ height: `${rows * ROW_HEIGHT}px`, gridTemplateColumns: `repeat(${columns}, 1fr)`, paddingTop: `${first * ROW_HEIGHT}px` }} aria-label="Assets">
        {visible.map((card) => (
          <li key={card.id} class="cell" style={{ height: `${ROW_HEIGHT}px` }}>
            <a href={`#/asset/${card.id}`} class="card" data-asset-id={card.id} data-state={card.state}>
              <div class="thumb">
                {card.thumbnailUrl ? <img src={card.thumbnailUrl} alt="" decoding="async" /> : <span class="placeholder">{card.mediaType}</span>}
              </div>
              <span class="title">{card.title}</span>
              <span class={`state ${card.state}`}>{card.state === 'ready' ? card.mediaType : card.progress ?? card.state}</span>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
