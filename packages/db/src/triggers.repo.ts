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

export interface TriggerSchedule {
  type: TriggerForRun['type'];
  cron: string | null;
  timezone: string | null;
}

/** A trigger's type and schedule, within its tenant (null when the tenant has no such trigger). */
export async function findTriggerSchedule(
  prisma: PrismaClient,
  { tenantId, triggerId }: { tenantId: string; triggerId: string },
): Promise<TriggerSchedule | null> {
  return prisma.trigger.findFirst({ where: { id: triggerId, tenantId }, select: { type: true, cron: true, timezone: true } });
}

/** Turns a trigger off (its schedule cannot run); the tenant sees it inactive and may fix and re-enable it. */
export async function disableTrigger(
  prisma: PrismaClient,
  { tenantId, triggerId }: { tenantId: string; triggerId: string },
): Promise<void> {
  await prisma.trigger.updateMany({ where: { id: triggerId, tenantId }, data: { isActive: false } });
}
