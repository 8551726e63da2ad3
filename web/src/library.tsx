// The library: search box (text / semantic / hybrid), facets as filters, a virtualised grid of thumbnails paged by
// cursor, uploads by drag and drop, and live updates (GET /events) as assets change.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, describeProblem, type ListedAsset, type SearchHit, type SearchResults } from './api';
import { Header, projects } from './header';
import { listenForChanges } from './live';
import { Uploads } from './uploads';
import { type BatchAction, type BatchOutcome, runBatch } from './batch';
import { useCollections, useProject } from './pages';
import { FilterPanel, type Filters, NO_FILTERS, type ListFilter, facetedFields, filterQuery, isFiltering, rememberFilters, rememberedFilters, useFilterChoices } from './filters';

type Mode = 'text' | 'semantic' | 'hybrid';
type Sort = 'newest' | 'oldest' | 'title';
const SORTS: Record<Sort, string> = { newest: 'Newest first', oldest: 'Oldest first', title: 'Title A–Z' };
const TRANSITIONS = ['draft', 'in_review', 'approved', 'rejected', 'archived'] as const;
interface Card { id: string; title: string; mediaType: string; state: string; thumbnailUrl?: string; progress?: string }

const PAGE = 60;
const CELL_WIDTH = 200;
const ROW_HEIGHT = 232;
const FACET_NAMES: Record<string, string> = { mediaType: 'Media type', tags: 'Tags', labels: 'Labels', state: 'State', projectId: 'Project' };

const fromListing = (a: ListedAsset): Card => ({ id: a.id, title: a.title, mediaType: a.mediaType, state: a.state, thumbnailUrl: a.thumbnailUrl, progress: a.progress ? `${a.progress.stage} ${a.progress.percent} %` : undefined });
const fromHit = (h: SearchHit): Card => ({ id: h.assetId, title: h.title, mediaType: h.mediaType, state: h.state, thumbnailUrl: h.thumbnailUrl });

/** The library, or (with `collection`) only the assets of one collection, searched and filtered the same way. */
export function Library({ onSignOut, collection }: { onSignOut: () => void; collection?: string }) {
  const [collectionName, setCollectionName] = useState<string>();
  useEffect(() => {
    if (collection) void api.GET('/collections/{id}', { params: { path: { id: collection } } }).then(({ data }) => setCollectionName(data?.name));
  }, [collection]);
  const [q, setQ] = useState(() => sessionStorage.getItem('mediateca.q') ?? '');
  const [mode, setMode] = useState<Mode>('text');
  const [sort, setSort] = useState<Sort>(() => (sessionStorage.getItem('mediateca.sort') as Sort | null) ?? 'newest');
  /** the assets picked for a batch action (ids, in the order picked) */
  const [selected, setSelected] = useState<string[]>([]);
  const anchor = useRef<number | undefined>(undefined);
  const [filters, setFilters] = useState<Filters>(rememberedFilters);
  const [project] = useProject();
  const choices = useFilterChoices(project);
  const fieldFacetNames = useMemo(() => facetedFields(choices.fields).join(',') || undefined, [choices.fields]);
  const [fieldFacets, setFieldFacets] = useState<NonNullable<SearchResults['fieldFacets']>>({});
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
  const searching = q.trim() !== '' || isFiltering(filters) || Boolean(collection);
  const generation = useRef(0);

  const searchQuery = useCallback((limit: number, after?: string) => ({
    q: q.trim() || undefined,
    mode: q.trim() ? mode : undefined,
    ...filterQuery(filters),
    collection,
    facets: 'mediaType,tags,labels,state',
    fieldFacets: fieldFacetNames,
    limit: String(limit),
    cursor: after,
  }), [q, mode, filters, collection, fieldFacetNames]);
  const showFacets = (data: SearchResults) => { setFacets(data.facets); setFieldFacets(data.fieldFacets ?? {}); };

  /** One page: the listing (every state, newest first) when nothing is asked, else search; facets come from search either way. */
  const load = useCallback(async (after?: string) => {
    const mine = after ? generation.current : ++generation.current;
    setLoading(true);
    try {
      if (searching) {
        // text search: the page of hits first, the facets (a GROUP BY over every match) in a second request that
        // does not hold the grid back; semantic and hybrid ask once, so the query is embedded once
        const split = mode === 'text' || !q.trim();
        const { data, error: problem } = await api.GET('/search', { params: { query: { ...searchQuery(PAGE, after), ...(split ? { facets: '' } : {}) } } });
        if (mine !== generation.current) return;
        if (!data) throw problem;
        // asked once the hits are in, so it never queues ahead of them on the server
        if (split && !after) void api.GET('/search', { params: { query: searchQuery(1) } }).then(({ data: facetData }) => { if (facetData && mine === generation.current) showFacets(facetData); });
        setCards((previous) => (after ? [...previous, ...data.hits.map(fromHit)] : data.hits.map(fromHit)));
        setCursor(data.nextCursor);
        setTotal(data.total);
        if (!split) showFacets(data);
        setSemanticNote(data.semantic.available || mode === 'text' || !q.trim() ? undefined : data.semantic.reason);
      } else {
        // the grid shows as soon as its page arrives; the facets follow
        if (!after) void api.GET('/search', { params: { query: searchQuery(1) } }).then(({ data: facetData }) => { if (facetData && mine === generation.current) showFacets(facetData); });
        const { data, error: problem } = await api.GET('/assets', { params: { query: { limit: String(PAGE), cursor: after, sort } } });
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
  }, [searchQuery, searching, mode, q, sort]);

  // a new question: first page again (typing waits for a pause)
  useEffect(() => {
    sessionStorage.setItem('mediateca.q', q);
    sessionStorage.setItem('mediateca.sort', sort);
    rememberFilters(filters);
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

  /** A click picks one card; with Shift, every card from the last one picked to this one. */
  const pick = (index: number, range: boolean) => {
    const card = cards[index];
    if (!card) return;
    if (range && anchor.current !== undefined) {
      const [from, to] = [Math.min(anchor.current, index), Math.max(anchor.current, index)];
      const ids = cards.slice(from, to + 1).map((c) => c.id);
      setSelected((previous) => [...previous, ...ids.filter((id) => !previous.includes(id))]);
    } else {
      setSelected((previous) => (previous.includes(card.id) ? previous.filter((id) => id !== card.id) : [...previous, card.id]));
    }
    anchor.current = index;
  };
  const titles = useMemo(() => new Map(cards.map((c) => [c.id, c.title])), [cards]);

  const toggle = (facet: ListFilter, value: string) => setFilters((f) => ({ ...f, [facet]: f[facet].includes(value) ? f[facet].filter((v) => v !== value) : [...f[facet], value] }));

  return (
    <div class="layout">
      <Header onSignOut={onSignOut}>
        <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); void load(); }}>
          <label for="q" class="visually-hidden">Search</label>
          <input id="q" type="search" placeholder="Search titles, tags, text in images, speech…" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          <label for="sort" class="visually-hidden">Sort</label>
          <select id="sort" value={searching ? 'relevance' : sort} disabled={searching} title={searching ? 'search results are ranked by relevance' : undefined} onChange={(e) => setSort(e.currentTarget.value as Sort)}>
            {searching && <option value="relevance">Relevance</option>}
            {Object.entries(SORTS).map(([value, name]) => <option key={value} value={value}>{name}</option>)}
          </select>
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
              {values.slice(0, 12).map(({ value, count }) => (
                <label key={value} class="facet">
                  <input type="checkbox" checked={filters[facet as ListFilter].includes(value)} data-facet={facet} value={value} onChange={() => toggle(facet as ListFilter, value)} />
                  <span>{value}</span> <span class="count">{count}</span>
                </label>
              ))}
            </fieldset>
          ))}
          <FilterPanel filters={filters} onChange={setFilters} fields={choices.fields} persons={choices.persons} fieldFacets={fieldFacets} />
          {isFiltering(filters) && <button type="button" class="link" data-testid="clear-filters" onClick={() => setFilters(NO_FILTERS)}>Clear filters</button>}
        </aside>
        <main class="library">
          <Uploads projectId={projects().find((p) => p.role !== 'viewer')?.id} onChange={() => void reload.current()} />
          <p class="summary" role="status" aria-live="polite" data-query={loading ? undefined : shownQuery} data-sort={searching ? 'relevance' : sort}>
            {loading ? 'Loading…' : searching ? `${total ?? cards.length} found` : `${cards.length}${cursor ? '+' : ''} assets, ${SORTS[sort].toLowerCase()}`}
            {' · '}<span class={live ? 'live on' : 'live'}>{live ? 'live' : 'offline'}</span>
            {semanticNote && <span class="note"> · semantic search unavailable: {semanticNote}</span>}
          </p>
          {collection && (
            <p class="scope" data-testid="collection-scope">
              In the collection <a href={`#/collections/${collection}`}>{collectionName ?? '…'}</a> · <a href="#/">the whole library</a>
            </p>
          )}
          {error && <p class="error" role="alert">{error}</p>}
          <SelectionBar
            selected={selected}
            titles={titles}
            onSelectAll={() => setSelected(cards.map((c) => c.id))}
            onClear={() => { setSelected([]); anchor.current = undefined; }}
            onDone={() => void reload.current()}
            onSelectOnly={(ids) => setSelected(ids)}
          />
          <Grid cards={cards} selected={selected} onPick={pick} onClear={() => setSelected([])} onEnd={() => cursor && !loading && void load(cursor)} />
        </main>
      </div>
    </div>
  );
}

/** Only the rows in view (and a few around) are in the DOM; reaching the end asks for the next page. */
function Grid({ cards, selected, onPick, onClear, onEnd }: { cards: Card[]; selected: string[]; onPick: (index: number, range: boolean) => void; onClear: () => void; onEnd: () => void }) {
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
    <div class="grid-scroller" ref={scroller} tabIndex={-1} onKeyDown={(e) => { if (e.key === 'Escape') onClear(); }}>
      {cards.length === 0 && <p class="empty">Nothing here yet: drop photos, videos or audio above.</p>}
      <ul class="grid" style={{ height: `${rows * ROW_HEIGHT}px`, gridTemplateColumns: `repeat(${columns}, 1fr)`, paddingTop: `${first * ROW_HEIGHT}px` }} aria-label="Assets">
        {visible.map((card, i) => (
          <li key={card.id} class={selected.includes(card.id) ? 'cell selected' : 'cell'} style={{ height: `${ROW_HEIGHT}px` }}>
            <input
              type="checkbox"
              class="pick"
              data-asset-id={card.id}
              aria-label={`Select ${card.title}`}
              checked={selected.includes(card.id)}
              onClick={(e) => { e.preventDefault(); onPick(first * columns + i, e.shiftKey); }}
              onKeyDown={(e) => { if (e.key === ' ') { e.preventDefault(); onPick(first * columns + i, e.shiftKey); } }}
            />
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

/** What can be done to every selected asset at once: add or remove a tag, move them through the editorial workflow. */
function SelectionBar({ selected, titles, onSelectAll, onClear, onDone, onSelectOnly }: {
  selected: string[];
  titles: Map<string, string>;
  onSelectAll: () => void;
  onClear: () => void;
  /** after a batch (the selection stays, for the next action) */
  onDone: () => void;
  onSelectOnly: (ids: string[]) => void;
}) {
  const [tag, setTag] = useState('');
  const [to, setTo] = useState<(typeof TRANSITIONS)[number]>('in_review');
  const [running, setRunning] = useState<{ done: number; of: number }>();
  const [result, setResult] = useState<{ text: string; failed: BatchOutcome[] }>();
  const [project] = useProject();
  const [collections, reloadCollections] = useCollections(project);
  const [collectionId, setCollectionId] = useState('');
  const collection = collections?.find((c) => c.id === collectionId) ?? collections?.[0];
  if (selected.length === 0 && !result) return null;
  const run = async (action: BatchAction, what: string) => {
    const ids = [...selected];
    setResult(undefined);
    setRunning({ done: 0, of: ids.length });
    const outcomes = await runBatch(ids, action, (done) => setRunning({ done, of: ids.length }));
    const failed = outcomes.filter((o) => !o.ok);
    setRunning(undefined);
    setResult({ text: `${what}: ${ids.length - failed.length} of ${ids.length} assets`, failed });
    onDone();
  };
  return (
    <section class="selection" aria-label="Selected assets" data-testid="selection-bar">
      <p>
        <strong data-testid="selected-count">{selected.length}</strong> selected
        {' '}<button type="button" class="link" onClick={onSelectAll}>Select all shown</button>
        {' '}<button type="button" class="link" onClick={() => { onClear(); setResult(undefined); }}>Clear</button>
      </p>
      {selected.length > 0 && (
        <div class="batch">
          <form onSubmit={(e) => { e.preventDefault(); const t = tag.trim(); if (t) void run({ kind: 'add-tag', tag: t }, `Tag “${t}” added`); }}>
            <label for="batch-tag">Tag</label>
            <input id="batch-tag" value={tag} onInput={(e) => setTag(e.currentTarget.value)} maxLength={100} />
            <button type="submit" disabled={Boolean(running) || !tag.trim()}>Add tag</button>
            <button type="button" disabled={Boolean(running) || !tag.trim()} onClick={() => { const t = tag.trim(); void run({ kind: 'remove-tag', tag: t }, `Tag “${t}” removed`); }}>Remove tag</button>
          </form>
          <form onSubmit={(e) => { e.preventDefault(); void run({ kind: 'transition', to }, `Moved to ${to.replace('_', ' ')}`); }}>
            <label for="batch-to">Move to</label>
            <select id="batch-to" value={to} onChange={(e) => setTo(e.currentTarget.value as typeof to)}>
              {TRANSITIONS.map((state) => <option key={state} value={state}>{state.replace('_', ' ')}</option>)}
            </select>
            <button type="submit" disabled={Boolean(running)}>Move</button>
          </form>
          {collection && (
            <form onSubmit={(e) => { e.preventDefault(); void run({ kind: 'add-to-collection', collectionId: collection.id }, `Added to “${collection.name}”`).then(reloadCollections); }}>
              <label for="batch-collection">Collection</label>
              <select id="batch-collection" value={collection.id} onChange={(e) => setCollectionId(e.currentTarget.value)}>
                {collections!.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
              </select>
              <button type="submit" disabled={Boolean(running)}>Add</button>
              <button type="button" disabled={Boolean(running)} onClick={() => void run({ kind: 'remove-from-collection', collectionId: collection.id }, `Removed from “${collection.name}”`).then(reloadCollections)}>Remove</button>
            </form>
          )}
        </div>
      )}
      {running && <p role="status"><progress max={running.of} value={running.done} /> {running.done} / {running.of}</p>}
      {result && (
        <div role="status" data-testid="batch-result">
          <p class={result.failed.length ? 'error' : 'saved'}>{result.text}{result.failed.length ? `; ${result.failed.length} failed` : ''}</p>
          {result.failed.length > 0 && (
            <ul class="batch-failures">
              {result.failed.map((f) => <li key={f.id} data-asset-id={f.id}>{titles.get(f.id) ?? f.id}: {f.reason}</li>)}
            </ul>
          )}
          {result.failed.length > 0 && <button type="button" class="link" data-testid="select-failed" onClick={() => onSelectOnly(result.failed.map((f) => f.id))}>Select only the failed ones</button>}
        </div>
      )}
    </section>
  );
}
