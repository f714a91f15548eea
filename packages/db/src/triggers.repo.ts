import { ConveyorError } from '@conveyor/errors';
import type { PrismaClient } from './client';

export interface TriggerForRun {
  id: string;
  tenantId: string;
  workflowId: string;
  type: 'MANUAL' | 'SCHEDULE' | 'WEBHOOK';
  isActive: boolean;
  secretHash: string | null;
}

/**
 * A trigger by its id alone: the one lookup that is not scoped by a tenant, because the caller of
 * a webhook trigger is identified by the trigger id and its secret, and the tenant comes from the row.
 */
export async function findTrigger(prisma: PrismaClient, triggerId: string): Promise<TriggerForRun | null> {
  const [row] = await prisma.$queryRaw<TriggerForRun[]>`
    SELECT "id"::text AS "id", "tenantId"::text AS "tenantId", "workflowId"::text AS "workflowId", "type"::text AS "type",
           "isActive", "secretHash"
      FROM "Trigger" WHERE "id" = ${triggerId}::uuid`;
  return row ?? null;
}

export interface ScheduleTrigger {
  id: string;
  tenantId: string;
  cron: string;
  timezone: string | null;
}

/** Every active schedule, across tenants: the worker keeps one BullMQ job scheduler per row. */
export async function listActiveSchedules(prisma: PrismaClient): Promise<ScheduleTrigger[]> {
  return prisma.$queryRaw<ScheduleTrigger[]>`
    SELECT t."id"::text AS "id", t."tenantId"::text AS "tenantId", t."cron", t."timezone"
      FROM "Trigger" AS t JOIN "Workflow" AS w ON w."id" = t."workflowId" AND w."tenantId" = t."tenantId"
     WHERE t."type" = 'SCHEDULE' AND t."isActive" AND w."isActive" AND t."cron" IS NOT NULL`;
}

export interface NewRun {
  tenantId: string;
  workflowId: string;
  triggerId?: string | undefined;
  input: unknown;
  idempotencyKey?: string | undefined;
}

/**
 * Inserts a PENDING run. With an idempotency key, a second call with the same key returns the
 * first run instead of creating another (`created: false`).
 */
export async function createRun(prisma: PrismaClient, run: NewRun): Promise<{ runId: string; created: boolean }> {
  const [inserted] = await prisma.$queryRaw<{ runId: string }[]>`
    INSERT INTO "WorkflowRun" ("tenantId", "workflowId", "triggerId", "input", "idempotencyKey")
    VALUES (${run.tenantId}::uuid, ${run.workflowId}::uuid, ${run.triggerId ?? null}::uuid,
            ${JSON.stringify(run.input ?? {})}::jsonb, ${run.idempotencyKey ?? null})
    ON CONFLICT ("tenantId", "idempotencyKey") DO NOTHING
    RETURNING "id"::text AS "runId"`;
  if (inserted) return { runId: inserted.runId, created: true };
  const [existing] = await prisma.$queryRaw<{ runId: string }[]>`
    SELECT "id"::text AS "runId" FROM "WorkflowRun"
     WHERE "tenantId" = ${run.tenantId}::uuid AND "idempotencyKey" = ${run.idempotencyKey ?? null}`;
  if (!existing) {
    throw new ConveyorError({
      code: 'INTERNAL',
      message: 'run insert conflicted but no run holds its idempotency key',
      details: { tenantId: run.tenantId, idempotencyKey: run.idempotencyKey },
    });
  }
  return { runId: existing.runId, created: false };
}
