// The workspace: sign in, then the library (search, facets, grid, uploads) or one asset (#/asset/<id>).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session } from './api';
import { AssetPage } from './asset';
import { Library } from './library';
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

function SignIn({ onSignedIn, reason }: { onSignedIn: () => void; reason?: string }) {
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  return (
    <main class="signin">
      <h1>Mediateca</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          session.signIn(token, remember);
          onSignedIn();
        }}
      >
        <p>Sign in with a token: on <code>npm start</code> the development token it prints (or open the link it prints); more with <code>npm run token</code>.</p>
        {reason && <p class="error" role="alert">{reason}</p>}
        <label for="token">Access token</label>
        <textarea id="token" name="token" rows={4} required value={token} onInput={(e) => setToken(e.currentTarget.value)} autoFocus />
        <label class="inline"><input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> Keep me signed in on this device</label>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function App() {
  const route = useRoute();
  const [signedIn, setSignedIn] = useState(() => Boolean(session.token));
  const [reason, setReason] = useState<string>();
  useEffect(() => {
    const expired = () => {
      session.signOut();
      setReason('Your token was refused (expired or invalid): sign in again.');
      setSignedIn(false);
    };
    window.addEventListener('mediateca:unauthorized', expired);
    return () => window.removeEventListener('mediateca:unauthorized', expired);
  }, []);
  if (!signedIn) return <SignIn reason={reason} onSignedIn={() => { setReason(undefined); setSignedIn(true); }} />;
  const signOut = () => { session.signOut(); setSignedIn(false); };
  const asset = /^#\/asset\/([\w-]+)/.exec(route);
  return asset ? <AssetPage key={asset[1]} id={asset[1]!} onSignOut={signOut} /> : <Library onSignOut={signOut} />;
}

tokenFromFragment();
render(<App />, document.getElementById('app')!);
