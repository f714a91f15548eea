import { ConveyorError } from '@conveyor/errors';
import type { PrismaClient } from './client';

/**
 * Appends an immutable version to a tenant's workflow and makes it the one new runs pin, in one
 * transaction with the workflow row locked so two publishers get distinct version numbers.
 */
export async function publishVersion(
  prisma: PrismaClient,
  {
    tenantId,
    workflowId,
    definition,
    createdById,
  }: { tenantId: string; workflowId: string; definition: unknown; createdById?: string | undefined },
): Promise<{ workflowVersionId: string; version: number }> {
  return prisma.$transaction(async (tx) => {
    const [workflow] = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id"::text AS "id" FROM "Workflow" WHERE "id" = ${workflowId}::uuid AND "tenantId" = ${tenantId}::uuid FOR UPDATE`;
    if (!workflow)
      throw new ConveyorError({ code: 'NOT_FOUND', message: `workflow ${workflowId} not found`, details: { workflowId } });
    const [published] = await tx.$queryRaw<{ workflowVersionId: string; version: number }[]>`
      INSERT INTO "WorkflowVersion" ("tenantId", "workflowId", "version", "definition", "createdById")
      SELECT ${tenantId}::uuid, ${workflowId}::uuid, COALESCE(MAX("version"), 0) + 1, ${JSON.stringify(definition)}::jsonb, ${createdById ?? null}::uuid
        FROM "WorkflowVersion" WHERE "workflowId" = ${workflowId}::uuid
      RETURNING "id"::text AS "workflowVersionId", "version"`;
    const result = published as { workflowVersionId: string; version: number };
    await tx.$executeRaw`
      UPDATE "Workflow" SET "currentVersionId" = ${result.workflowVersionId}::uuid, "updatedAt" = now()
       WHERE "id" = ${workflowId}::uuid AND "tenantId" = ${tenantId}::uuid`;
    return result;
  });
}
