import { randomBytes } from 'node:crypto';

/**
 * What an API key may be granted, each with what it lets a machine client do: the one list of
 * scopes (the createApiKey action accepts these, and each app-facing route that takes keys names one).
 */
export const API_KEY_SCOPE_MEANINGS = {
  'events:send': 'send events to the tenant’s runs (POST /v1/events)',
  'runs:read': 'read the tenant’s runs and their execution logs (GET /v1/runs/:runId/logs, …/logs/stream)',
} as const;

export type ApiKeyScope = keyof typeof API_KEY_SCOPE_MEANINGS;

export const API_KEY_SCOPES = Object.keys(API_KEY_SCOPE_MEANINGS) as [ApiKeyScope, ...ApiKeyScope[]];

/** Every API key starts with this, so a key is told from a JWT (and found by secret scanners). */
export const API_KEY_MARK = 'cvk_';

/** Random bytes in a key: 256 bits from the system's CSPRNG. */
const KEY_BYTES = 32;
/** Characters of the key after `cvk_` kept as its non-secret prefix (48 of its 256 bits). */
const PREFIX_LENGTH = 8;
/** `cvk_` and 32 bytes in base64url (43 characters, no padding). */
const KEY_FORMAT = /^cvk_[A-Za-z0-9_-]{43}$/;

/** A new key, shown to its creator once: `cvk_` + 32 random bytes, base64url, and its prefix. */
export function mintApiKey(): { key: string; prefix: string } {
  const key = `${API_KEY_MARK}${randomBytes(KEY_BYTES).toString('base64url')}`;
  return { key, prefix: apiKeyPrefix(key) };
}

/** Whether a credential is meant as an API key (starts with `cvk_`), whatever its validity. */
export function isApiKeyCredential(credential: string): boolean {
  return credential.startsWith(API_KEY_MARK);
}

/** Whether a credential has the shape of a key minted here (checked before anything is looked up). */
export function isWellFormedApiKey(credential: string): boolean {
  return KEY_FORMAT.test(credential);
}

/** The key's non-secret prefix: the first characters after `cvk_`. */
export function apiKeyPrefix(key: string): string {
  return key.slice(API_KEY_MARK.length, API_KEY_MARK.length + PREFIX_LENGTH);
}

/** The scopes of a stored key that are still in the list (a scope dropped from it grants nothing). */
export function knownScopes(scopes: readonly string[]): ApiKeyScope[] {
  return scopes.filter((scope): scope is ApiKeyScope => Object.hasOwn(API_KEY_SCOPE_MEANINGS, scope));
}
