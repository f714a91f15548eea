import { useSyncExternalStore } from 'react';

// The signed-in user's bearer token (a Hasura-style JWT), kept for this browser tab only.
const KEY = 'conveyor.token';
const listeners = new Set<() => void>();

export function readToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

export function useToken(): string | null {
  return useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, readToken);
}

/**
 * A sign-in link (`/sign-in#token=<jwt>`, as `npm start` prints, or an identity provider's redirect)
 * hands the token over in the fragment, which never reaches a server; it is taken and wiped from the
 * address bar and the history at once.
 */
export function takeTokenFromLocation(): void {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (!token) return;
  storeToken(token.trim());
  window.history.replaceState(null, '', window.location.pathname === '/sign-in' ? '/' : window.location.pathname);
}
