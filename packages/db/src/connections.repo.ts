import type { PrismaClient } from './client';
import { Prisma } from './generated/prisma/client';

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

/** Stores a connection whose credentials are sealed already; a name the tenant uses is `name-taken`. */
export async function insertConnection(
  prisma: PrismaClient,
  connection: {
    tenantId: string;
    appId: string | null;
    name: string;
    credentialsCiphertext: Uint8Array;
    credentialsKeyId: string;
    createdById: string | null;
  },
): Promise<{ kind: 'created'; connectionId: string } | { kind: 'name-taken' }> {
  try {
    const row = await prisma.connection.create({
      data: { ...connection, credentialsCiphertext: Buffer.from(connection.credentialsCiphertext) },
      select: { id: true },
    });
    return { kind: 'created', connectionId: row.id };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return { kind: 'name-taken' };
    throw error;
  }
}
