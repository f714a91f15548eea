import type { RunStatus } from '@conveyor/engine';
import type { PrismaClient } from './client';

/** The run's status and end, looked up within its tenant: another tenant's run is null, as a missing one. */
export async function findRunStatus(
  prisma: PrismaClient,
  { tenantId, runId }: { tenantId: string; runId: string },
): Promise<{ status: RunStatus; finishedAt: Date | null } | null> {
  const run = await prisma.workflowRun.findFirst({ where: { id: runId, tenantId }, select: { status: true, finishedAt: true } });
  return run as { status: RunStatus; finishedAt: Date | null } | null;
}
