import { Prisma, type PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { Keyring } from '@conveyor/secrets';
import type { TenantCaller } from '../hasura-actions/session';

/** Connections: credentials are sealed (AES-256-GCM, with the key id) before they touch the database. */
export function createConnectionsService({ prisma, keyring }: { prisma: PrismaClient; keyring: Keyring }) {
  return {
    async create(
      caller: TenantCaller,
      { name, appKey, credentials }: { name: string; appKey?: string | undefined; credentials: unknown },
    ) {
      const app = appKey
        ? await prisma.app.findFirst({
            where: { key: appKey, OR: [{ tenantId: caller.tenantId }, { tenantId: null }] },
            select: { id: true },
          })
        : null;
      if (appKey && !app) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: `input.appKey: no app "${appKey}"`,
          details: { field: 'input.appKey' },
        });
      }
      const sealed = keyring.seal(credentials);
      try {
        const connection = await prisma.connection.create({
          data: {
            tenantId: caller.tenantId,
            appId: app?.id ?? null,
            name,
            credentialsCiphertext: Buffer.from(sealed.ciphertext),
            credentialsKeyId: sealed.keyId,
            createdById: caller.userId ?? null,
          },
          select: { id: true },
        });
        return { connectionId: connection.id };
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new ConveyorError({
            code: 'CONFLICT',
            message: `input.name: a connection named "${name}" exists`,
            details: { field: 'input.name' },
          });
        }
        throw error;
      }
    },
  };
}
