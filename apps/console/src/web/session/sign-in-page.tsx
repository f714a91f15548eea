import { type FormEvent, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { storeToken, useToken } from './token-store';

/**
 * Sign-in takes the same Hasura JWT the apps use. In development `npm start` prints a link that brings
 * one (`/sign-in#token=…`); in production the deployer's identity provider redirects to that link, or
 * the user pastes a token here.
 */
export function SignInPage() {
  const token = useToken();
  const location = useLocation();
  const [draft, setDraft] = useState('');
  const from = (location.state as { from?: string } | null)?.from ?? '/runs';
  if (token) return <Navigate to={from} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim()) storeToken(draft.trim());
  };
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Conveyor</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <textarea id="token" rows={6} value={draft} onChange={(event) => setDraft(event.target.value)} required />
        <p className="hint">
          The JWT your identity provider issues for Conveyor (the token Hasura accepts). In development, open the link{' '}
          <code>npm start</code> prints, or run <code>npm run dev:token</code>.
        </p>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
