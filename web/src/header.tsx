import type { ComponentChildren } from 'preact';
import { session } from './api';

const SECTIONS = [['#/', 'Library'], ['#/people', 'People'], ['#/collections', 'Collections'], ['#/trash', 'Trash']] as const;
/** The section the address is in (an asset page belongs to none). */
const current = (href: string) => (href === '#/' ? ['', '#', '#/'].includes(location.hash) || location.hash.startsWith('#/library/') : location.hash === href || location.hash.startsWith(`${href}/`));

export function Header({ children, onSignOut }: { children?: ComponentChildren; onSignOut: () => void }) {
  const claims = session.claims();
  return (
    <header class="top">
      <a class="brand" href="#/">Mediateca</a>
      <nav class="sections" aria-label="Sections">
        {SECTIONS.map(([href, name]) => <a key={href} href={href} aria-current={current(href) ? 'page' : undefined}>{name}</a>)}
      </nav>
      <div class="header-main">{children}</div>
      <span class="who" title="signed in as">{claims?.preferred_username ?? claims?.sub ?? ''}</span>
      <a class="docs-link" href="/docs" target="_blank" rel="noopener">API</a>
      <button type="button" class="link" onClick={onSignOut}>Sign out</button>
    </header>
  );
}

/** The projects the token grants, first the ones it may upload to. */
export function projects(): { id: string; role: string }[] {
  return Object.entries(session.claims()?.projects ?? {}).map(([id, role]) => ({ id, role }));
}
