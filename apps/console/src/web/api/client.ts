import createClient from 'openapi-fetch';
import { readToken, storeToken } from '../session/token-store';
import type { paths } from './generated/openapi';

/** An answer of the api other than 2xx, with its error code and message (the api's error envelope). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The api, typed from its OpenAPI description (docs/openapi.json → generated/openapi.ts), on this
 * origin: the console's server relays /v1 to it. Every request carries the signed-in user's token; a
 * 401 signs the user out.
 */
export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    for (const [name, value] of Object.entries(authHeaders())) request.headers.set(name, value);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) storeToken(null);
    return response;
  },
});

/** The body of a 2xx answer, or its error as an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  throw errorOf(result.response, result.error);
}

export function errorOf(response: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText);
}

export function authHeaders(): Record<string, string> {
  const token = readToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}
