import { findConnectableAppId, insertConnection, type PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { Keyring } from '@conveyor/secrets';
import type { TenantCaller } from '../auth/session';

/** Connections: credentials are sealed (AES-256-GCM, with the tenant's data key) before they touch the database. */
export function createConnectionsService({ prisma, keyring }: { prisma: PrismaClient; keyring: Keyring }) {
  return {
    async create(
      caller: TenantCaller,
      { name, appKey, credentials }: { name: string; appKey?: string | undefined; credentials: unknown },
    ) {
      const appId = appKey ? await findConnectableAppId(prisma, { tenantId: caller.tenantId, appKey }) : null;
      if (appKey && !appId) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: `input.appKey: no app "${appKey}"`,
          details: { field: 'input.appKey' },
        });
      }
      const stored = await insertConnection(prisma, keyring, {
        tenantId: caller.tenantId,
        appId,
        name,
        credentials,
        createdById: caller.userId ?? null,
      });
      if (stored.kind === 'name-taken') {
        throw new ConveyorError({
          code: 'CONFLICT',
          message: `input.name: a connection named "${name}" exists`,
          details: { field: 'input.name' },
        });
      }
      return { connectionId: stored.connectionId };
    },
  };
}
