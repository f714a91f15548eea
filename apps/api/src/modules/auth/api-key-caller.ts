import { type ApiKeyCaller, type ApiKeyScope, isWellFormedApiKey, knownScopes } from '@conveyor/auth';
import { findApiKeyByHash, type PrismaClient, recordApiKeyUse, type StoredApiKey } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { sha256Hex } from '@conveyor/secrets';
import { secretsMatch } from '../../plugins/shared-secret';

/** The header a machine client may send its API key in, instead of `Authorization: Bearer cvk_…`. */
export const API_KEY_HEADER = 'x-api-key';

/** `lastUsedAt` is written at most this often per key (reads of it are that coarse). */
export const API_KEY_USE_RECORD_MS = 60_000;

/** Counts a refused credential against the request's address and gives back the error to throw. */
export type Refusal = (error: ConveyorError) => ConveyorError;

/**
 * The tenant's API key a request carries, granted `scope`: found by the SHA-256 of the key (compared
 * again in constant time), never by the key itself, which is neither stored nor logged. Unknown,
 * revoked and expired keys are 401, a key without the route's scope (or on a route that takes no keys)
 * 403; each is counted by `refused`. A key in use records it at most once a minute.
 */
export async function apiKeyCaller(
  deps: { prisma: PrismaClient; now?: () => number },
  key: string,
  scope: ApiKeyScope | undefined,
  refused: Refusal,
): Promise<ApiKeyCaller> {
  const now = (deps.now ?? Date.now)();
  const secretHash = sha256Hex(key);
  const stored = isWellFormedApiKey(key) ? await findApiKeyByHash(deps.prisma, secretHash) : null;
  if (!stored || !secretsMatch(secretHash, stored.secretHash)) throw refused(unauthorized('the API key is not valid'));
  if (stored.revokedAt) throw refused(unauthorized('the API key was revoked'));
  if (stored.expiresAt && stored.expiresAt.getTime() <= now) throw refused(unauthorized('the API key expired'));
  const scopes = knownScopes(stored.scopes);
  if (!scope) throw refused(forbidden('this route takes a member’s token, not an API key'));
  if (!scopes.includes(scope)) throw refused(forbidden(`the API key lacks the scope ${scope}`));
  await recordUse(deps.prisma, stored, now);
  return { kind: 'apiKey', tenantId: stored.tenantId, apiKeyId: stored.id, scopes };
}

async function recordUse(prisma: PrismaClient, stored: StoredApiKey, now: number): Promise<void> {
  const recordedSince = stored.lastUsedAt && stored.lastUsedAt.getTime() > now - API_KEY_USE_RECORD_MS;
  if (recordedSince) return;
  await recordApiKeyUse(prisma, { apiKeyId: stored.id, at: new Date(now), unlessSince: new Date(now - API_KEY_USE_RECORD_MS) });
}

function unauthorized(message: string): ConveyorError {
  return new ConveyorError({ code: 'UNAUTHORIZED', message });
}

function forbidden(message: string): ConveyorError {
  return new ConveyorError({ code: 'FORBIDDEN', message });
}
