import { listActionRefs, type PrismaClient, publishVersion } from '@conveyor/db';
import { actionRefKey, validateDefinition } from '@conveyor/engine';
import type { TenantCaller } from '../auth/session';

/** Publishing: a definition is validated (errors name the step and field), then stored as the next version. */
export function createWorkflowsService({ prisma }: { prisma: PrismaClient }) {
  return {
    async publish(caller: TenantCaller, workflowId: string, rawDefinition: unknown) {
      const known = await listActionRefs(prisma, caller.tenantId);
      const definition = validateDefinition(rawDefinition, { isKnownAction: (ref) => known.has(actionRefKey(ref)) });
      return publishVersion(prisma, { tenantId: caller.tenantId, workflowId, definition, createdById: caller.userId });
    },
  };
}
