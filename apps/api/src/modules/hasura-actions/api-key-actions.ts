import { mintApiKey } from '@conveyor/auth';
import { insertApiKey, type PrismaClient, revokeApiKey } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { sha256Hex } from '@conveyor/secrets';
import { requireTenantCaller } from '../auth/session';
import {
  createApiKeyInputSchema,
  createApiKeyOutputSchema,
  revokeApiKeyInputSchema,
  revokeApiKeyOutputSchema,
} from './api-key-actions.schemas';
import type { ActionRoute } from './trigger-actions';

const DAY_MS = 86_400_000;

/**
 * A tenant's API keys, for machine clients of the app-facing routes (modules/auth/authenticate.ts):
 * tenant admins create one with `POST /hooks/hasura/actions/create-api-key` (the server mints the key,
 * answers it once and stores only its SHA-256) and revoke it with `POST /hooks/hasura/actions/revoke-api-key` (at once; again
 * is a no-op; another tenant's key is a 404, like no key at all).
 */
export function registerApiKeyActions(
  action: ActionRoute,
  { prisma, now = Date.now }: { prisma: PrismaClient; now?: () => number },
) {
  action('create-api-key', createApiKeyInputSchema, createApiKeyOutputSchema, async (input, session) => {
    const { tenantId, userId } = await requireTenantCaller(prisma, session, { admin: true });
    const { key, prefix } = mintApiKey();
    const expiresAt = input.expiresInDays ? new Date(now() + input.expiresInDays * DAY_MS) : null;
    const { apiKeyId } = await insertApiKey(prisma, {
      tenantId,
      name: input.name,
      prefix,
      secretHash: sha256Hex(key),
      scopes: input.scopes,
      createdById: userId ?? null,
      expiresAt,
    });
    return { ok: true, id: apiKeyId, key, prefix, scopes: input.scopes, expiresAt: expiresAt?.toISOString() ?? null };
  });
  action('revoke-api-key', revokeApiKeyInputSchema, revokeApiKeyOutputSchema, async ({ id }, session) => {
    const { tenantId } = await requireTenantCaller(prisma, session, { admin: true });
    const revoked = await revokeApiKey(prisma, { tenantId, apiKeyId: id, at: new Date(now()) });
    if (revoked.kind === 'not-found') {
      throw new ConveyorError({
        code: 'NOT_FOUND',
        message: `input.id: no API key ${id} in this tenant`,
        details: { field: 'input.id' },
      });
    }
    return { ok: true, id, revokedAt: revoked.revokedAt.toISOString() };
  });
}
