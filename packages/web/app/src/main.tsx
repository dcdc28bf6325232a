import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, whenUnauthorized } from './api.js';
import { Layout } from './components/layout.js';
import { ErrorMessage } from './components/status.js';
import { AlertPage } from './pages/alert.js';
import { Account } from './pages/account.js';
import { Connections } from './pages/connections.js';
import { Instances } from './pages/instances.js';
import { Meetings } from './pages/meetings.js';
import { Members } from './pages/members.js';
import { Rules } from './pages/rules.js';
import { Schedules } from './pages/schedules.js';
import { Settings } from './pages/settings.js';
import { SignIn } from './pages/sign-in.js';
import { useRoute, type Route } from './router.js';
import { forgetToken, rememberCsrfToken, storedToken } from './session.js';
import type { Me } from './types.js';
import './styles.css';

const titles: Record<Route['page'], string> = {
  meetings: 'Upcoming meetings',
  alert: 'Alert',
  connections: 'Calendar & devices',
  rules: 'Alert rules',
  account: 'Your sessions',
  members: 'Members',
  settings: 'Settings',
  schedules: 'Schedules',
  instances: 'Instances',
  'not-found': 'Page not found',
};

function Page(props: { route: Route; me: Me; onMeChanged: (me: Me) => void }) {
  const { route, me } = props;
  if ((route.page === 'schedules' || route.page === 'instances') && !me.is_operator)
    return <p>Only operators see this page.</p>;
  if (route.page === 'members' && me.role !== 'admin') return <p>Only your organisation’s admins see this page.</p>;
  switch (route.page) {
    case 'meetings':
      return <Meetings />;
    case 'alert':
      return <AlertPage id={route.id} />;
    case 'connections':
      return <Connections />;
    case 'rules':
      return <Rules />;
    case 'account':
      return <Account />;
    case 'members':
      return <Members me={me} />;
    case 'settings':
      return <Settings me={me} onMeChanged={props.onMeChanged} />;
    case 'schedules':
      return <Schedules />;
    case 'instances':
      return <Instances />;
    case 'not-found':
      return <p>There is no page here.</p>;
  }
}

function App() {
  const route = useRoute();
  const [me, setMe] = useState<Me>();
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<Error>();

  useEffect(() => {
    whenUnauthorized(() => setMe(undefined));
    if (storedToken() !== undefined) {
      api<Me>('/v1/me')
        .then(setMe, setError)
        .finally(() => setChecking(false));
      return;
    }
    // Signed in with Google? The session cookie answers; without one the sign-in page shows.
    fetch('/v1/auth/session', { headers: { accept: 'application/json' } })
      .then(async (response) => {
        if (!response.ok) return;
        const session = (await response.json()) as { user: Me; csrf_token: string };
        rememberCsrfToken(session.csrf_token);
        setMe(session.user);
      })
      .catch(setError)
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p role="status">Loading…</p>;
  if (me === undefined) {
    return (
      <>
        {error !== undefined && <ErrorMessage error={error} />}
        <SignIn onSignedIn={setMe} />
      </>
    );
  }
  const signOut = () => {
    if (storedToken() !== undefined) forgetToken();
    else void api('/v1/auth/sign-out', { method: 'POST' }).catch(() => undefined);
    rememberCsrfToken(undefined);
    setMe(undefined);
  };
  return (
    <Layout me={me} route={route} title={titles[route.page]} onSignOut={signOut}>
      <Page route={route} me={me} onMeChanged={setMe} />
    </Layout>
  );
}

render(<App />, document.getElementById('root')!);
