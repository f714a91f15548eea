import { ApiError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An answer that failed: its code and message, as the api gave them. */
export function ErrorBox({ error }: { error: unknown }) {
  const code = error instanceof ApiError ? error.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      <strong>{code}</strong> {message}
    </div>
  );
}

export function NotFound({ what }: { what: string }) {
  return (
    <div className="error-box" role="alert">
      <strong>Not found</strong> No such {what} in this tenant.
    </div>
  );
}
