import type { PrismaClient } from './client';

/**
 * A tenant's API keys (the ApiKey table). Only the SHA-256 of a key is ever stored or looked up;
 * the key itself never reaches this package.
 */

export async function insertApiKey(prisma: PrismaClient, apiKey: NewApiKey): Promise<{ apiKeyId: string }> {
  const row = await prisma.apiKey.create({ data: apiKey, select: { id: true } });
  return { apiKeyId: row.id };
}

/**
 * The key whose SHA-256 is `secretHash`, whatever its tenant: the one lookup not scoped by a tenant,
 * because the key is what names its tenant. Null when no key has that hash.
 */
export async function findApiKeyByHash(prisma: PrismaClient, secretHash: string): Promise<StoredApiKey | null> {
  return prisma.apiKey.findUnique({
    where: { secretHash },
    select: {
      id: true,
      tenantId: true,
      secretHash: true,
      scopes: true,
      lastUsedAt: true,
      revokedAt: true,
      expiresAt: true,
    },
  });
}

/**
 * Records that the key was used at `at`, unless a use since `unlessSince` was recorded already: a
 * guarded update, so concurrent requests (and api replicas) write it at most once per interval.
 */
export async function recordApiKeyUse(
  prisma: PrismaClient,
  { apiKeyId, at, unlessSince }: { apiKeyId: string; at: Date; unlessSince: Date },
): Promise<{ applied: boolean }> {
  const { count } = await prisma.apiKey.updateMany({
    where: { id: apiKeyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: unlessSince } }] },
    data: { lastUsedAt: at },
  });
  return { applied: count === 1 };
}

/**
 * Revokes one of the tenant's keys (a guarded update: it applies once). A key revoked already keeps
 * its first revocation time; a key of another tenant, or none, is `not-found`.
 */
export async function revokeApiKey(
  prisma: PrismaClient,
  { tenantId, apiKeyId, at }: { tenantId: string; apiKeyId: string; at: Date },
): Promise<{ kind: 'revoked'; revokedAt: Date } | { kind: 'not-found' }> {
  const { count } = await prisma.apiKey.updateMany({
    where: { id: apiKeyId, tenantId, revokedAt: null },
    data: { revokedAt: at },
  });
  if (count === 1) return { kind: 'revoked', revokedAt: at };
  const existing = await prisma.apiKey.findFirst({ where: { id: apiKeyId, tenantId }, select: { revokedAt: true } });
  return existing?.revokedAt ? { kind: 'revoked', revokedAt: existing.revokedAt } : { kind: 'not-found' };
}

export interface NewApiKey {
  tenantId: string;
  name: string;
  prefix: string;
  /** SHA-256 (hex) of the whole key. */
  secretHash: string;
  scopes: string[];
  createdById: string | null;
  expiresAt: Date | null;
}

export interface StoredApiKey {
  id: string;
  tenantId: string;
  secretHash: string;
  scopes: string[];
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}
