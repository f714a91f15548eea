import type { PrismaClient } from './client';

/**
 * A new WEBHOOK trigger of one of the tenant's workflows, with the SHA-256 of the secret the server
 * minted; `no-workflow` when the tenant has no such workflow.
 */
export async function insertWebhookTrigger(
  prisma: PrismaClient,
  { tenantId, workflowId, secretHash }: { tenantId: string; workflowId: string; secretHash: string },
): Promise<{ kind: 'created'; triggerId: string } | { kind: 'no-workflow' }> {
  return prisma.$transaction(async (tx) => {
    const workflow = await tx.workflow.findFirst({ where: { id: workflowId, tenantId }, select: { id: true } });
    if (!workflow) return { kind: 'no-workflow' as const };
    const trigger = await tx.trigger.create({
      data: { tenantId, workflowId, type: 'WEBHOOK', secretHash },
      select: { id: true },
    });
    return { kind: 'created' as const, triggerId: trigger.id };
  });
}

/** Replaces a WEBHOOK trigger's secret hash, within its tenant; false when the tenant has no such webhook trigger. */
export async function replaceWebhookTriggerSecret(
  prisma: PrismaClient,
  { tenantId, triggerId, secretHash }: { tenantId: string; triggerId: string; secretHash: string },
): Promise<boolean> {
  const { count } = await prisma.trigger.updateMany({
    where: { id: triggerId, tenantId, type: 'WEBHOOK' },
    data: { secretHash },
  });
  return count === 1;
}
