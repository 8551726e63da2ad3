// The workspace's other pages: people (faces clustered into persons: name them, merge two that are one, see their
// assets), collections
// (create, rename, delete, their assets, share links) and the trash (restore, purge after a confirmation).
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, describeProblem, type Person } from './api';
import type { paths } from './api-schema';
import { Header, projects } from './header';

type Collection = paths['/collections/{id}']['get']['responses'][200]['content']['application/json'];
interface Tile { id: string; title: string; mediaType: string; state: string; thumbnailUrl?: string }

/** The project a page works in: the one picked last (kept for the tab), else the first the token grants. */
export function useProject(): [string | undefined, (id: string) => void] {
  const granted = projects();
  const [project, setProject] = useState(() => {
    const kept = sessionStorage.getItem('mediateca.project');
    return granted.some((p) => p.id === kept) ? kept! : granted[0]?.id;
  });
  return [project, (id: string) => { sessionStorage.setItem('mediateca.project', id); setProject(id); }];
}

function ProjectPicker({ project, onPick }: { project?: string; onPick: (id: string) => void }) {
  const granted = projects();
  if (granted.length < 2) return null;
  return (
    <p class="project-picker">
      <label for="project" class="inline">Project
        <select id="project" value={project} onChange={(e) => onPick(e.currentTarget.value)}>
          {granted.map((p) => <option key={p.id} value={p.id}>{p.id} ({p.role})</option>)}
        </select>
      </label>
    </p>
  );
}

function Page({ title, onSignOut, children }: { title: string; onSignOut: () => void; children: ComponentChildren }) {
  useEffect(() => { document.title = `${title} · Mediateca`; document.getElementById('page-title')?.focus(); }, [title]);
  return (
    <div class="layout">
      <Header onSignOut={onSignOut} />
      <main class="page">
        <h1 id="page-title" tabIndex={-1}>{title}</h1>
        {children}
      </main>
    </div>
  );
}

/** A result line: role=status for news, role=alert for a failure. */
function Message({ message }: { message?: { text: string; ok: boolean } }) {
  if (!message) return null;
  return <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'saved' : 'error'} data-testid="page-message">{message.text}</p>;
}

function Tiles({ tiles, action }: { tiles: Tile[]; action?: (tile: Tile) => ComponentChildren }) {
  if (tiles.length === 0) return <p class="empty">Nothing here.</p>;
  return (
    <ul class="tiles" aria-label="Assets">
      {tiles.map((tile) => (
        <li key={tile.id} class="tile" data-asset-id={tile.id}>
          <a href={`#/asset/${tile.id}`} class="card" data-asset-id={tile.id}>
            <div class="thumb">{tile.thumbnailUrl ? <img src={tile.thumbnailUrl} alt="" /> : <span class="placeholder">{tile.mediaType}</span>}</div>
            <span class="title">{tile.title}</span>
            <span class={`state ${tile.state}`}>{tile.mediaType}</span>
          </a>
          {action?.(tile)}
        </li>
      ))}
    </ul>
  );
}

// ---- people ----

/** A person's face: the crop of their face box from an image that shows them (the thumbnail of a video that does). */
function FaceCrop({ personId, label }: { personId: string; label: string }) {
  const [crop, setCrop] = useState<{ url: string; style: Record<string, string> }>();
  const [seen, setSeen] = useState(false);
  const tile = useRef<HTMLDivElement>(null);
  // two requests per face: asked only once the tile scrolls into view
  useEffect(() => {
    const observer = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) { setSeen(true); observer.disconnect(); } }, { rootMargin: '200px' });
    observer.observe(tile.current!);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (!seen) return;
    void (async () => {
      const { data: found } = await api.GET('/search', { params: { query: { person: personId, limit: '1', facets: '' } } });
      const hit = found?.hits[0];
      if (!hit) return;
      const { data: asset } = await api.GET('/assets/{id}', { params: { path: { id: hit.assetId } } });
      const face = asset?.ai.faces.find((f) => f.personId === personId);
      const image = asset?.renditions.find((r) => r.name === 'preview') ?? asset?.renditions.find((r) => r.name === 'thumbnail');
      if (asset?.mediaType === 'image' && face && image && face.box.width > 0 && face.box.height > 0 && face.box.width < 1 && face.box.height < 1) {
        // the box is a fraction of the picture: scale the picture so the box fills the tile, and move it there
        const { x, y, width, height } = face.box;
        setCrop({ url: image.url, style: { backgroundImage: `url("${image.url}")`, backgroundSize: `${100 / width}% ${100 / height}%`, backgroundPosition: `${(100 * x) / (1 - width)}% ${(100 * y) / (1 - height)}%` } });
      } else if (hit.thumbnailUrl) {
        setCrop({ url: hit.thumbnailUrl, style: { backgroundImage: `url("${hit.thumbnailUrl}")`, backgroundSize: 'cover', backgroundPosition: 'center' } });
      }
    })();
  }, [personId, seen]);
  return <div ref={tile} class="face-crop" role="img" aria-label={label} data-testid="face-crop" data-cropped={crop ? 'yes' : 'no'} style={crop?.style} />;
}

function NameForm({ person, onNamed, inputId }: { person: Person; onNamed: (person: Person, message: string) => void; inputId: string }) {
  const [name, setName] = useState(person.name ?? '');
  const [error, setError] = useState<string>();
  useEffect(() => setName(person.name ?? ''), [person.name]);
  return (
    <form class="name-person" onSubmit={async (e) => {
      e.preventDefault();
      const { data, error: problem } = await api.PATCH('/persons/{id}', { params: { path: { id: person.id } }, body: { name: name.trim() || null } });
      if (!data) { setError(describeProblem(problem)); return; }
      setError(undefined);
      onNamed(data, name.trim() ? `Named ${name.trim()}.` : 'Name removed.');
    }}>
      <label for={inputId}>Name</label>
      <input id={inputId} value={name} placeholder="Name this person" onInput={(e) => setName(e.currentTarget.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? `${inputId}-error` : undefined} />
      <button type="submit">{person.name ? 'Rename' : 'Name'}</button>
      {error && <p id={`${inputId}-error`} class="field-error" role="alert">{error}</p>}
    </form>
  );
}

/** Merge a person into another of their project (the same person, clustered twice), after a confirmation. */
function MergeForm({ person, others, label, onMerged }: { person: Person; others: { person: Person; label: string }[]; label: string; onMerged: (kept: Person, message: string) => void }) {
  const [into, setInto] = useState('');
  const [error, setError] = useState<string>();
  const dialog = useRef<HTMLDialogElement>(null);
  const target = others.find((o) => o.person.id === into);
  if (others.length === 0) return null;
  const merge = async () => {
    if (!target) return;
    const { data, error: problem } = await api.POST('/persons/{id}/merge', { params: { path: { id: person.id } }, body: { into: target.person.id } });
    if (!data) { setError(describeProblem(problem)); return; }
    setError(undefined);
    onMerged(data, `${label} merged into ${target.label}: ${data.faceCount} faces.`);
  };
  const selectId = `merge-${person.id}`;
  return (
    <form class="merge-person" onSubmit={(e) => { e.preventDefault(); if (target) dialog.current?.showModal(); }}>
      <label for={selectId}>Same person as</label>
      <select id={selectId} value={into} onChange={(e) => setInto(e.currentTarget.value)} aria-describedby={error ? `${selectId}-error` : undefined}>
        <option value="">—</option>
        {others.map((o) => <option key={o.person.id} value={o.person.id}>{o.label}</option>)}
      </select>
      <button type="submit" class="secondary" disabled={!target}>Merge…</button>
      {error && <p id={`${selectId}-error`} class="field-error" role="alert">{error}</p>}
      <Confirm dialog={dialog} title={`Merge ${label} into ${target?.label ?? ''}?`} action="Merge" onConfirm={() => void merge()}>
        Every face of {label} becomes {target?.label ?? ''}'s, in every asset; {label} is no longer listed.
      </Confirm>
    </form>
  );
}

export function PeoplePage({ onSignOut }: { onSignOut: () => void }) {
  const [persons, setPersons] = useState<Person[]>();
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();
  const load = useCallback(async () => {
    const { data, error } = await api.GET('/persons');
    if (data) setPersons([...data.persons].sort((a, b) => b.faceCount - a.faceCount));
    else setMessage({ text: describeProblem(error), ok: false });
  }, []);
  useEffect(() => { load().catch((error: Error) => setMessage({ text: `The API could not be reached (${error.message}): reload the page.`, ok: false })); }, [load]);
  const unnamed = (i: number) => `Unnamed person ${i + 1}`;
  return (
    <Page title="People" onSignOut={onSignOut}>
      <p class="note">Faces found in your assets, grouped by person. A name given here names every face of theirs, in every asset.</p>
      <Message message={message} />
      {!persons ? <p role="status">Loading…</p> : persons.length === 0 ? <p class="empty">No faces found yet.</p> : (
        <ul class="people">
          {persons.map((person, i) => (
            <li key={person.id} class="person" data-person-id={person.id}>
              <FaceCrop personId={person.id} label={person.name ?? unnamed(i)} />
              <div>
                <a href={`#/people/${person.id}`} class="person-name">{person.name ?? unnamed(i)}</a>
                <p class="note">{person.faceCount} {person.faceCount === 1 ? 'face' : 'faces'} · {person.projectId}</p>
                <NameForm person={person} inputId={`name-${person.id}`} onNamed={(named, text) => { setPersons((all) => all?.map((p) => (p.id === named.id ? named : p))); setMessage({ text, ok: true }); }} />
                <MergeForm
                  person={person}
                  label={person.name ?? unnamed(i)}
                  others={persons.map((other, j) => ({ person: other, label: other.name ?? unnamed(j) })).filter((o) => o.person.id !== person.id && o.person.projectId === person.projectId)}
                  onMerged={(_kept, text) => { setMessage({ text, ok: true }); void load(); }}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

export function PersonPage({ id, onSignOut }: { id: string; onSignOut: () => void }) {
  const [person, setPerson] = useState<Person>();
  const [tiles, setTiles] = useState<Tile[]>();
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();
  useEffect(() => {
    void api.GET('/persons/{id}', { params: { path: { id } } }).then(({ data, error }) => (data ? setPerson(data) : setMessage({ text: describeProblem(error), ok: false })));
    void api.GET('/search', { params: { query: { person: id, limit: '100', facets: '' } } }).then(({ data, error }) => {
      if (data) setTiles(data.hits.map((h) => ({ id: h.assetId, title: h.title, mediaType: h.mediaType, state: h.state, thumbnailUrl: h.thumbnailUrl })));
      else setMessage({ text: describeProblem(error), ok: false });
    });
  }, [id]);
  return (
    <Page title={person?.name ?? 'Unnamed person'} onSignOut={onSignOut}>
      <nav><a href="#/people">← People</a></nav>
      <Message message={message} />
      {person && (
        <div class="person-head">
          <FaceCrop personId={person.id} label={person.name ?? 'Unnamed person'} />
          <NameForm person={person} inputId="person-name" onNamed={(named, text) => { setPerson(named); setMessage({ text, ok: true }); }} />
        </div>
      )}
      <h2>Assets showing them</h2>
      {tiles ? <Tiles tiles={tiles} /> : <p role="status">Loading…</p>}
    </Page>
  );
}

// ---- collections ----

async function listCollections(projectId: string) {
  const { data, error } = await api.GET('/projects/{id}/collections', { params: { path: { id: projectId }, query: { limit: '200' } } });
  if (!data) throw error;
  return data.collections;
}

/** The collections of a project, for the library's selection bar too. */
export function useCollections(projectId: string | undefined): [Collection[] | undefined, () => void, string | undefined] {
  const [collections, setCollections] = useState<Collection[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    if (!projectId) return;
    listCollections(projectId).then((found) => { setCollections(found); setError(undefined); }, (problem) => setError(describeProblem(problem)));
  }, [projectId]);
  useEffect(load, [load]);
  return [collections, load, error];
}

export function CollectionsPage({ onSignOut }: { onSignOut: () => void }) {
  const [project, setProject] = useProject();
  const [collections, reload, error] = useCollections(project);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();
  const create = async (e: Event) => {
    e.preventDefault();
    if (!project) return;
    const { data, error: problem } = await api.POST('/projects/{id}/collections', { params: { path: { id: project } }, body: { name: name.trim() } });
    setMessage(data ? { text: `Collection “${data.name}” created.`, ok: true } : { text: describeProblem(problem), ok: false });
    if (data) setName('');
    reload();
  };
  return (
    <Page title="Collections" onSignOut={onSignOut}>
      <ProjectPicker project={project} onPick={setProject} />
      <form class="inline-form" onSubmit={create}>
        <label for="new-collection">New collection</label>
        <input id="new-collection" value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" disabled={!name.trim() || !project}>Create</button>
      </form>
      <Message message={message} />
      {error && <p class="error" role="alert">{error}</p>}
      {!collections ? <p role="status">Loading…</p> : collections.length === 0 ? <p class="empty">No collections yet: create one, then add assets from the library's selection bar.</p> : (
        <ul class="collections">
          {collections.map((c) => (
            <li key={c.id} data-collection-id={c.id}>
              <a href={`#/collections/${c.id}`}>{c.name}</a> <span class="note">{c.assetCount} {c.assetCount === 1 ? 'asset' : 'assets'}</span>
              {c.description && <p class="note">{c.description}</p>}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

type Share = paths['/projects/{id}/shares']['get']['responses'][200]['content']['application/json']['shares'][number];

export function CollectionPage({ id, onSignOut }: { id: string; onSignOut: () => void }) {
  const [collection, setCollection] = useState<Collection>();
  const [tiles, setTiles] = useState<Tile[]>();
  const [shares, setShares] = useState<Share[]>([]);
  const [created, setCreated] = useState<string>();
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();
  const confirmDelete = useRef<HTMLDialogElement>(null);
  const load = useCallback(async () => {
    const { data, error } = await api.GET('/collections/{id}', { params: { path: { id } } });
    if (!data) { setMessage({ text: describeProblem(error), ok: false }); return; }
    setCollection(data);
    setName(data.name);
    const [{ data: assets }, { data: links }] = await Promise.all([
      api.GET('/collections/{id}/assets', { params: { path: { id }, query: { limit: '200' } } }),
      api.GET('/projects/{id}/shares', { params: { path: { id: data.projectId }, query: { targetId: id, limit: '200' } } }),
    ]);
    setTiles(assets?.assets.map((a) => ({ id: a.id, title: a.title, mediaType: a.mediaType, state: a.state, thumbnailUrl: a.thumbnailUrl })) ?? []);
    setShares(links?.shares ?? []);
  }, [id]);
  useEffect(() => { load().catch((error: Error) => setMessage({ text: `The API could not be reached (${error.message}): reload the page.`, ok: false })); }, [load]);
  const done = (ok: boolean, text: string) => { setMessage({ text, ok }); void load(); };

  const rename = async (e: Event) => {
    e.preventDefault();
    if (!collection) return;
    const { data, error } = await api.PATCH('/collections/{id}', { params: { path: { id }, header: { 'if-match': `"${collection.version}"` } as never }, body: { name: name.trim() } });
    done(Boolean(data), data ? `Renamed to “${data.name}”.` : describeProblem(error));
  };
  const remove = async (tile: Tile) => {
    const { error } = await api.DELETE('/collections/{id}/assets/{assetId}', { params: { path: { id, assetId: tile.id } } });
    done(!error, error ? describeProblem(error) : `“${tile.title}” removed from the collection.`);
  };
  const share = async () => {
    const { data, error } = await api.POST('/collections/{id}/shares', { params: { path: { id } }, body: {} });
    setCreated(data?.url);
    done(Boolean(data), data ? 'Share link created: copy it now, it is shown once.' : describeProblem(error));
  };
  const revoke = async (link: Share) => {
    const { error } = await api.DELETE('/shares/{id}', { params: { path: { id: link.id } } });
    done(!error, error ? describeProblem(error) : 'Share link revoked: it no longer opens.');
  };
  const destroy = async () => {
    const { error } = await api.DELETE('/collections/{id}', { params: { path: { id } } });
    if (error) { setMessage({ text: describeProblem(error), ok: false }); return; }
    location.hash = '#/collections';
  };
  return (
    <Page title={collection?.name ?? 'Collection'} onSignOut={onSignOut}>
      <nav class="page-links"><a href="#/collections">← Collections</a> <a href={`#/library/${id}`} data-testid="open-in-library">Search and filter it in the library</a></nav>
      <Message message={message} />
      {collection && (
        <>
          <form class="inline-form" onSubmit={rename}>
            <label for="collection-name">Name</label>
            <input id="collection-name" value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
            <button type="submit" disabled={!name.trim() || name.trim() === collection.name}>Rename</button>
            <button type="button" class="danger" onClick={() => confirmDelete.current?.showModal()}>Delete collection</button>
          </form>
          <Confirm dialog={confirmDelete} title={`Delete “${collection.name}”?`} action="Delete" onConfirm={destroy}>
            Its assets stay in the library; its share links stop working.
          </Confirm>
          <section aria-labelledby="shares-h" class="panel">
            <h2 id="shares-h">Share links</h2>
            {created && <p class="share-url">Link: <a href={created} data-testid="share-url">{created}</a></p>}
            <ul class="shares">
              {shares.map((link) => (
                <li key={link.id} data-share-id={link.id} data-revoked={link.revokedAt ? 'yes' : 'no'}>
                  Created {new Date(link.createdAt).toLocaleString()} by {link.createdBy} · opened {link.accessCount} {link.accessCount === 1 ? 'time' : 'times'}
                  {link.expiresAt && ` · expires ${new Date(link.expiresAt).toLocaleString()}`}
                  {link.revokedAt ? <span class="note"> · revoked</span> : <> <button type="button" class="link" onClick={() => void revoke(link)}>Revoke</button></>}
                </li>
              ))}
            </ul>
            <button type="button" onClick={() => void share()}>Create a share link</button>
          </section>
        </>
      )}
      <h2>{collection ? `${collection.assetCount} ${collection.assetCount === 1 ? 'asset' : 'assets'}` : 'Assets'}</h2>
      {tiles ? <Tiles tiles={tiles} action={(tile) => <button type="button" class="link" onClick={() => void remove(tile)} aria-label={`Remove ${tile.title} from the collection`}>Remove</button>} /> : <p role="status">Loading…</p>}
    </Page>
  );
}

/** A modal question (the browser's <dialog>: focus moves into it, Escape cancels). */
let dialogs = 0;
function Confirm({ dialog, title, action, onConfirm, children }: { dialog: { current: HTMLDialogElement | null }; title: string; action: string; onConfirm: () => void; children: ComponentChildren }) {
  const headingId = useRef(`confirm-${++dialogs}`).current;
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby={headingId}>
      <form method="dialog" onSubmit={(e) => { if ((e.submitter as HTMLButtonElement | null)?.value === 'yes') onConfirm(); }}>
        <h2 id={headingId}>{title}</h2>
        <p>{children}</p>
        <div class="actions">
          <button type="submit" value="no" class="secondary" autoFocus>Cancel</button>
          <button type="submit" value="yes" class="danger" data-testid="confirm">{action}</button>
        </div>
      </form>
    </dialog>
  );
}

// ---- trash ----

type Trashed = paths['/projects/{id}/trash']['get']['responses'][200]['content']['application/json']['assets'][number];

export function TrashPage({ onSignOut }: { onSignOut: () => void }) {
  const [project, setProject] = useProject();
  const [trashed, setTrashed] = useState<Trashed[]>();
  const [message, setMessage] = useState<{ text: string; ok: boolean }>();
  const [purging, setPurging] = useState<Trashed>();
  const confirmPurge = useRef<HTMLDialogElement>(null);
  const role = projects().find((p) => p.id === project)?.role;
  const load = useCallback(async () => {
    if (!project) return;
    const { data, error } = await api.GET('/projects/{id}/trash', { params: { path: { id: project }, query: { limit: '200' } } });
    if (data) setTrashed(data.assets);
    else setMessage({ text: describeProblem(error), ok: false });
  }, [project]);
  useEffect(() => { load().catch((error: Error) => setMessage({ text: `The API could not be reached (${error.message}): reload the page.`, ok: false })); }, [load]);
  const restore = async (asset: Trashed) => {
    const { error } = await api.POST('/assets/{id}/restore', { params: { path: { id: asset.id } } });
    setMessage(error ? { text: describeProblem(error), ok: false } : { text: `“${asset.title}” restored.`, ok: true });
    void load();
  };
  const purge = async () => {
    if (!purging) return;
    const { error } = await api.POST('/assets/{id}/purge', { params: { path: { id: purging.id } } });
    setMessage(error ? { text: describeProblem(error), ok: false } : { text: `“${purging.title}” purged for good.`, ok: true });
    setPurging(undefined);
    void load();
  };
  return (
    <Page title="Trash" onSignOut={onSignOut}>
      <ProjectPicker project={project} onPick={setProject} />
      <p class="note">Deleted assets wait here until they are purged; restoring one brings it back as it was.</p>
      <Message message={message} />
      {!trashed ? <p role="status">Loading…</p> : trashed.length === 0 ? <p class="empty">The trash is empty.</p> : (
        <table class="trash">
          <thead><tr><th scope="col">Asset</th><th scope="col">Deleted</th><th scope="col">Purged</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {trashed.map((asset) => (
              <tr key={asset.id} data-asset-id={asset.id}>
                <th scope="row">{asset.title} <span class="note">{asset.mediaType} · {asset.filename}</span></th>
                <td>{asset.deletedAt ? new Date(asset.deletedAt).toLocaleString() : ''}</td>
                <td>{asset.purgeAt ? new Date(asset.purgeAt).toLocaleDateString() : 'when an admin purges it'}</td>
                <td class="actions">
                  <button type="button" onClick={() => void restore(asset)} aria-label={`Restore ${asset.title}`}>Restore</button>
                  {role === 'admin' && <button type="button" class="danger" aria-label={`Purge ${asset.title}`} onClick={() => { setPurging(asset); confirmPurge.current?.showModal(); }}>Purge…</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Confirm dialog={confirmPurge} title={`Purge “${purging?.title ?? ''}” for good?`} action="Purge" onConfirm={() => void purge()}>
        Its file, renditions and search entry are removed and cannot be restored; its history keeps a tombstone.
      </Confirm>
    </Page>
  );
}
