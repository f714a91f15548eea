import type { PrismaClient } from './client';
import { prepared, queryRows, type SqlExecutor, sql } from './sql';
import type { StoredCredentials } from './tenant-keys.repo';

export interface TriggerForRun {
  id: string;
  tenantId: string;
  workflowId: string;
  type: 'MANUAL' | 'SCHEDULE' | 'WEBHOOK';
  isActive: boolean;
  secretHash: string | null;
  /** Calls must be signed with the secret instead of carrying it. */
  requireSignature: boolean;
  /** The secret, sealed, with its tenant's wrapped data key: only for a trigger that requires signatures. */
  signingSecret: StoredCredentials | null;
  /** A debounced trigger's window and key template (null: one window for the trigger); null when it does not debounce. */
  debounce: { windowMs: number; key: string | null } | null;
}

type TriggerRow = Omit<TriggerForRun, 'signingSecret' | 'debounce'> & {
  debounceWindowMs: number | null;
  debounceKey: string | null;
  signingSecret: Uint8Array | null;
  signingKeyId: string | null;
  wrappedKey: Uint8Array | null;
  wrapKeyId: string | null;
};

/**
 * A trigger by its id alone: the one lookup that is not scoped by a tenant, because the caller of
 * a webhook trigger is identified by the trigger id and its secret, and the tenant comes from the row.
 */
export async function findTrigger(db: SqlExecutor, triggerId: string): Promise<TriggerForRun | null> {
  const [row] = await queryRows<TriggerRow>(
    db,
    prepared(
      'find-trigger',
      sql`
    SELECT t."id"::text AS "id", t."tenantId"::text AS "tenantId", t."workflowId"::text AS "workflowId",
           t."type"::text AS "type", t."isActive", t."secretHash", t."requireSignature", t."signingSecret", t."signingKeyId",
           t."debounceWindowMs", t."debounceKey", k."wrappedKey", k."wrapKeyId"
      FROM "Trigger" AS t LEFT JOIN "TenantDataKey" AS k ON k."tenantId" = t."tenantId" AND t."signingSecret" IS NOT NULL
     WHERE t."id" = ${triggerId}::uuid`,
    ),
  );
  if (!row) return null;
  const { signingSecret, signingKeyId, wrappedKey, wrapKeyId, debounceWindowMs, debounceKey, ...trigger } = row;
  const dataKey = wrappedKey && wrapKeyId ? { ciphertext: wrappedKey, keyId: wrapKeyId } : null;
  return {
    ...trigger,
    signingSecret: signingSecret && signingKeyId ? { ciphertext: signingSecret, keyId: signingKeyId, dataKey } : null,
    debounce: debounceWindowMs === null ? null : { windowMs: debounceWindowMs, key: debounceKey },
  };
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
