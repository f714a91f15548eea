import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { useSession } from '../api/queries';
import { ErrorBox, Loading } from '../ui/states';
import { TenantPicker } from './tenant-picker';
import { storeToken, useToken } from './token-store';

/** Every page but sign-in: the signed-in user's header (tenant picker, navigation) around the page. */
export function Shell() {
  const token = useToken();
  const location = useLocation();
  const session = useSession();
  if (!token) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">Conveyor</span>
        <nav aria-label="Main">
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/workflows">Workflows</NavLink>
        </nav>
        <div className="top-bar-end">
          {session.data && <TenantPicker session={session.data} />}
          {session.data && <span className="user">{session.data.email}</span>}
          <button type="button" className="secondary" onClick={() => storeToken(null)}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {session.isPending ? <Loading what="your session" /> : session.error ? <ErrorBox error={session.error} /> : <Outlet />}
      </main>
    </>
  );
}
