// The workspace: sign in, then the library (search, facets, grid, uploads), one asset (#/asset/<id>), people
// (#/people[/<id>]), collections (#/collections[/<id>]; #/library/<id> searches within one) or the trash (#/trash).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, describeProblem, session, type SignInOptions } from './api';
import { finishSignIn, forgetRefreshToken, keepFresh, startSignIn } from './oidc';
import { AssetPage } from './asset';
import { Library } from './library';
import { CollectionPage, CollectionsPage, PeoplePage, PersonPage, TrashPage } from './pages';
import './style.css';

/** `npm start` prints a link with the development token in the fragment (never sent to a server): take it and drop it from the address bar. */
function tokenFromFragment(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  session.signIn(decodeURIComponent(match[1]!), false);
  history.replaceState(null, '', location.pathname + location.search);
}

function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

/** What GET /auth/config says; if it cannot be read, the token form (the embedded default's way) is offered. */
function useSignInOptions(): SignInOptions | undefined {
  const [options, setOptions] = useState<SignInOptions>();
  useEffect(() => {
    void api.GET('/auth/config').then(({ data }) => {
      const found = data ?? { devToken: true, rolesClaim: 'projects' };
      session.rolesClaim = found.rolesClaim;
      setOptions(found);
    });
  }, []);
  return options;
}

function SignIn({ onSignedIn, reason, options }: { onSignedIn: () => void; reason?: string; options?: SignInOptions }) {
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [problem, setProblem] = useState<string>();
  const oidc = options?.oidc;
  return (
    <main class="signin">
      <h1>Mediateca</h1>
      {(reason || problem) && <p class="error" role="alert">{problem ?? reason}</p>}
      {oidc && (
        <p>
          <button
            type="button"
            data-testid="oidc-sign-in"
            disabled={leaving}
            onClick={() => {
              setLeaving(true);
              startSignIn(oidc).catch((error) => { setLeaving(false); setProblem(`Sign-in could not start: ${(error as Error).message}`); });
            }}
          >
            Sign in with {new URL(oidc.issuer).host}
          </button>
        </p>
      )}
      {options && !options.devToken && !oidc && <p class="error">This deployment names no way to sign in (set WEB_OIDC_CLIENT_ID).</p>}
      {options?.devToken && <form
        onSubmit={(e) => {
          e.preventDefault();
          session.signIn(token, remember);
          onSignedIn();
        }}
      >
        <p>Sign in with a token: on <code>npm start</code> the development token it prints (or open the link it prints); more with <code>npm run token</code>.</p>
        <label for="token">Access token</label>
        <textarea id="token" name="token" rows={4} required value={token} onInput={(e) => setToken(e.currentTarget.value)} autoFocus />
        <label class="inline"><input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> Keep me signed in on this device</label>
        <button type="submit">Sign in</button>
      </form>}
    </main>
  );
}

function App({ returned }: { returned: Promise<string | undefined> }) {
  const route = useRoute();
  const options = useSignInOptions();
  const [signedIn, setSignedIn] = useState(() => Boolean(session.token));
  const [finishing, setFinishing] = useState(true);
  const [reason, setReason] = useState<string>();
  useEffect(() => {
    // back from the OIDC provider: its access token signs this tab in
    returned.then(
      (token) => { if (token) { session.signIn(token, false); setToken(token); setSignedIn(true); } },
      (error) => setReason(`Sign-in failed: ${describeProblem(error) === 'the request failed' ? (error as Error).message : describeProblem(error)}`),
    ).finally(() => setFinishing(false));
  }, []);
  useEffect(() => {
    const expired = () => {
      session.signOut();
      forgetRefreshToken();
      setReason('Your token was refused (expired or invalid): sign in again.');
      setSignedIn(false);
    };
    window.addEventListener('mediateca:unauthorized', expired);
    return () => window.removeEventListener('mediateca:unauthorized', expired);
  }, []);
  // an OIDC session: the access token is renewed before it expires (each new token schedules the next renewal)
  const [token, setToken] = useState(session.token);
  useEffect(() => {
    if (!signedIn || finishing) return;
    return keepFresh(session.claims(), (fresh) => { session.signIn(fresh, false); setToken(fresh); }, (why) => {
      session.signOut();
      setReason(`Your session ended (${why}): sign in again.`);
      setSignedIn(false);
    });
  }, [signedIn, finishing, token]);
  if (finishing) return <main class="signin" aria-busy="true"><h1>Mediateca</h1><p>Signing in…</p></main>;
  if (!signedIn) return <SignIn reason={reason} options={options} onSignedIn={() => { setReason(undefined); setSignedIn(true); }} />;
  const signOut = () => { session.signOut(); forgetRefreshToken(); setSignedIn(false); };
  const [, page, id] = /^#\/([\w-]+)(?:\/([\w-]+))?/.exec(route) ?? [];
  if (page === 'asset' && id) return <AssetPage key={id} id={id} onSignOut={signOut} />;
  if (page === 'people') return id ? <PersonPage key={id} id={id} onSignOut={signOut} /> : <PeoplePage onSignOut={signOut} />;
  if (page === 'collections') return id ? <CollectionPage key={id} id={id} onSignOut={signOut} /> : <CollectionsPage onSignOut={signOut} />;
  if (page === 'trash') return <TrashPage onSignOut={signOut} />;
  if (page === 'library' && id) return <Library key={id} collection={id} onSignOut={signOut} />;
  return <Library onSignOut={signOut} />;
}

tokenFromFragment();
const returned = finishSignIn();
returned.catch(() => {}); // shown by App once it renders
render(<App returned={returned} />, document.getElementById('app')!);
