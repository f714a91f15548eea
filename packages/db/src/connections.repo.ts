import type { Keyring } from '@conveyor/secrets';
import type { PrismaClient } from './client';
import { Prisma } from './generated/prisma/client';
import { sealForTenant } from './tenant-keys.repo';

/** The id of the app `appKey` names among the tenant's own apps and the built-ins, or null. */
export async function findConnectableAppId(
  prisma: PrismaClient,
  { tenantId, appKey }: { tenantId: string; appKey: string },
): Promise<string | null> {
  const app = await prisma.app.findFirst({
    where: { key: appKey, OR: [{ tenantId }, { tenantId: null }] },
    select: { id: true },
  });
  return app?.id ?? null;
}

/**
 * Stores a connection, its credentials sealed with the tenant's data key (created on first use);
 * a name the tenant uses is `name-taken`.
 */
export async function insertConnection(
  prisma: PrismaClient,
  keyring: Keyring,
  {
    credentials,
    ...connection
  }: { tenantId: string; appId: string | null; name: string; credentials: unknown; createdById: string | null },
): Promise<{ kind: 'created'; connectionId: string } | { kind: 'name-taken' }> {
  const sealed = await sealForTenant(prisma, keyring, connection.tenantId, credentials);
  try {
    const row = await prisma.connection.create({
      data: { ...connection, credentialsCiphertext: Buffer.from(sealed.ciphertext), credentialsKeyId: sealed.keyId },
      select: { id: true },
    });
    return { kind: 'created', connectionId: row.id };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return { kind: 'name-taken' };
    throw error;
  }
}
