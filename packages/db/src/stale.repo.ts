import type { PrismaClient } from './client';

/** Rows the reconciler looks at: older than `olderThanMs` in a state that should have moved on. */
export interface StaleQuery {
  olderThanMs: number;
  limit: number;
}

export interface StaleRun {
  tenantId: string;
  runId: string;
  status: 'PENDING' | 'QUEUED';
  priority: number;
}

export interface StaleStep {
  tenantId: string;
  runId: string;
  stepRunId: string;
  jobId: string;
}

/** PENDING runs nobody dispatched (no Hasura event) and QUEUED runs whose job may be lost. Cross-tenant by design. */
export async function findStaleRuns(prisma: PrismaClient, { olderThanMs, limit }: StaleQuery): Promise<StaleRun[]> {
  return prisma.$queryRaw<StaleRun[]>`
    SELECT "tenantId"::text AS "tenantId", "id"::text AS "runId", "status"::text AS "status", "priority"
      FROM "WorkflowRun"
     WHERE "status" IN ('PENDING', 'QUEUED') AND "updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
     ORDER BY "updatedAt" LIMIT ${limit}`;
}

/** QUEUED steps that have waited long enough that their job may be lost. */
export async function findStaleQueuedSteps(prisma: PrismaClient, { olderThanMs, limit }: StaleQuery): Promise<StaleStep[]> {
  return prisma.$queryRaw<StaleStep[]>`
    SELECT "tenantId"::text AS "tenantId", "workflowRunId"::text AS "runId", "id"::text AS "stepRunId", "jobId"
      FROM "StepRun"
     WHERE "status" = 'QUEUED' AND "jobId" IS NOT NULL AND "updatedAt" < now() - make_interval(secs => ${olderThanMs / 1000})
     ORDER BY "updatedAt" LIMIT ${limit}`;
}
