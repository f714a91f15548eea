import { listActionRefs, type PrismaClient, publishVersion } from '@conveyor/db';
import { actionRefKey, sizeProblem, validateDefinition } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import type { TenantCaller } from '../auth/session';

/**
 * Publishing: a definition within its size budget is validated (errors name the step and field),
 * then stored as the next version.
 */
export function createWorkflowsService({ prisma, definitionMaxBytes }: { prisma: PrismaClient; definitionMaxBytes: number }) {
  return {
    async publish(caller: TenantCaller, workflowId: string, rawDefinition: unknown) {
      const size = sizeProblem('definition', rawDefinition, definitionMaxBytes);
      if (size) {
        throw new ConveyorError({
          code: 'PAYLOAD_TOO_LARGE',
          message: `${size} (DEFINITION_MAX_BYTES)`,
          details: { field: 'definition', limitBytes: definitionMaxBytes },
        });
      }
      const known = await listActionRefs(prisma, caller.tenantId);
      const definition = validateDefinition(rawDefinition, { isKnownAction: (ref) => known.has(actionRefKey(ref)) });
      return publishVersion(prisma, { tenantId: caller.tenantId, workflowId, definition, createdById: caller.userId });
    },
  };
}
