import { ConveyorError } from '@conveyor/errors';
import { execute, queryRows, type SqlExecutor, type SqlPool, sql, transaction } from './sql';
import { statusIn } from './status-moves';
import { markWaitDue, recordWait } from './step-transitions';
import type { AttemptRef } from './steps.repo';

/** An event's name and correlation key, within its tenant: what a wait waits for. */
export interface EventAddress {
  tenantId: string;
  event: string;
  key: string;
}

/**
 * A wait and an event for one address never miss each other: whichever comes second finds the first,
 * as both statements hold this lock (for their transaction) while they look and write. The trigger
 * that hands a child run's end to its parent's step takes the same lock (prisma/beyond-prisma.sql).
 */
async function lockAddress(tx: SqlExecutor, { tenantId, event, key }: EventAddress): Promise<void> {
  await execute(
    tx,
    sql`SELECT pg_advisory_xact_lock(hashtextextended(concat_ws('/', ${tenantId}::text, ${event}::text, ${key}::text), 0))`,
  );
}

export interface WaitBegun {
  /** 'received': an event kept for the step was taken (the step is due now); 'stale': not the current attempt. */
  begun: 'waiting' | 'received' | 'stale';
  /** Nothing else of the run is in flight (every other step ended, or waits): its tenant slot may go back. */
  idle: boolean;
}

/** Steps of a run in flight: RUNNING, or QUEUED and not waiting (no due time). */
const inFlight = sql`(${statusIn(['RUNNING'], 's."status"')} OR (${statusIn(['QUEUED'], 's."status"')} AND s."resumeAt" IS NULL))`;

/**
 * RUNNING → QUEUED for a step that waits for an event (until `untilEpochMs` at the latest), in one
 * transaction: the step takes the oldest unexpired event kept for its address if there is one (then it
 * is due now: 'received'), else it waits ('waiting', `idle` when nothing else of its run is in flight).
 * 'stale' when the attempt is not the step's current one. A step that waits again (woken before its
 * time) keeps its place and an event it already received.
 */
export async function beginEventWait(
  pool: SqlPool,
  ref: AttemptRef,
  { event, key, untilEpochMs }: { event: string; key: string; untilEpochMs: number },
): Promise<WaitBegun> {
  const address = { tenantId: ref.tenantId, event, key };
  return transaction(pool, async (tx) => {
    await lockAddress(tx, address);
    if (!(await recordWait(tx, ref, untilEpochMs))) return { begun: 'stale', idle: false };
    const [known] = await queryRows<{ received: boolean }>(
      tx,
      sql`SELECT "receivedAt" IS NOT NULL AS "received" FROM "StepWait"
           WHERE "stepRunId" = ${ref.stepRunId}::uuid AND "tenantId" = ${ref.tenantId}::uuid`,
    );
    let received = known?.received === true;
    if (!received) {
      const [taken] = await queryRows<{ payload: unknown }>(
        tx,
        sql`
        DELETE FROM "WorkflowEvent" WHERE "id" = (
          SELECT "id" FROM "WorkflowEvent"
           WHERE "tenantId" = ${ref.tenantId}::uuid AND "event" = ${event} AND "key" = ${key} AND "expiresAt" > now()
           ORDER BY "createdAt" LIMIT 1)
        RETURNING "payload"`,
      );
      received = taken !== undefined;
      await execute(
        tx,
        sql`
        INSERT INTO "StepWait" ("stepRunId", "tenantId", "workflowRunId", "event", "key", "expiresAt", "receivedAt", "payload")
        VALUES (${ref.stepRunId}::uuid, ${ref.tenantId}::uuid, ${ref.runId}::uuid, ${event}, ${key},
                to_timestamp(${untilEpochMs}::float8 / 1000), CASE WHEN ${received}::boolean THEN now() END,
                ${received ? JSON.stringify(taken?.payload ?? null) : null}::jsonb)
        ON CONFLICT ("stepRunId") DO UPDATE
           SET "event" = EXCLUDED."event", "key" = EXCLUDED."key", "expiresAt" = EXCLUDED."expiresAt",
               "receivedAt" = EXCLUDED."receivedAt", "payload" = EXCLUDED."payload"`,
      );
    }
    if (received) {
      await markWaitDue(tx, ref);
      return { begun: 'received', idle: false };
    }
    const [others] = await queryRows<{ busy: boolean }>(
      tx,
      sql`SELECT EXISTS (SELECT 1 FROM "StepRun" AS s
                          WHERE s."workflowRunId" = ${ref.runId}::uuid AND s."tenantId" = ${ref.tenantId}::uuid
                            AND s."id" <> ${ref.stepRunId}::uuid AND ${inFlight}) AS "busy"`,
    );
    return { begun: 'waiting', idle: others?.busy === false };
  });
}

/** What a waiting step finds when its job runs again: the event if one came, else whether its time is up. */
export async function readEventWait(
  db: SqlExecutor,
  { tenantId, stepRunId }: Pick<AttemptRef, 'tenantId' | 'stepRunId'>,
): Promise<{ event?: { payload: unknown }; expired: boolean } | null> {
  const [row] = await queryRows<{ received: boolean; payload: unknown; expired: boolean }>(
    db,
    sql`SELECT "receivedAt" IS NOT NULL AS "received", "payload", "expiresAt" <= now() AS "expired" FROM "StepWait"
         WHERE "stepRunId" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid`,
  );
  if (!row) return null;
  return row.received ? { event: { payload: row.payload }, expired: false } : { expired: row.expired };
}

export type EventSent =
  /** It went to the step that has waited longest for it: due now, its job to be promoted (null if RUNNING). */
  | { delivered: { stepRunId: string; runId: string; jobId: string | null } }
  /** No step waited: kept until `expiresAt` for the next one. */
  | { kept: { eventId: string; expiresAt: Date } }
  /** No step waited, and the sender wanted it delivered or nothing (`keep: false`: an approval's decision). */
  | { missed: true };

/**
 * Sends an event to the tenant's step that has waited longest for its name and key, or keeps it (at most
 * `maxKept` unexpired events per tenant: past that, RATE_LIMITED) until `ttlMs` from now; with `keep`
 * false, an event no step waits for is dropped ('missed').
 */
export async function sendEvent(
  pool: SqlPool,
  address: EventAddress,
  { payload, ttlMs, maxKept, keep = true }: { payload: unknown; ttlMs: number; maxKept: number; keep?: boolean },
): Promise<EventSent> {
  const { tenantId, event, key } = address;
  const json = JSON.stringify(payload ?? null);
  return transaction(pool, async (tx) => {
    await lockAddress(tx, address);
    const [waiter] = await queryRows<{ stepRunId: string; runId: string }>(
      tx,
      sql`
      UPDATE "StepWait" SET "receivedAt" = now(), "payload" = ${json}::jsonb
       WHERE "stepRunId" = (
         SELECT "stepRunId" FROM "StepWait"
          WHERE "tenantId" = ${tenantId}::uuid AND "event" = ${event} AND "key" = ${key}
            AND "receivedAt" IS NULL AND "expiresAt" > now()
          ORDER BY "createdAt" LIMIT 1)
      RETURNING "stepRunId"::text AS "stepRunId", "workflowRunId"::text AS "runId"`,
    );
    if (waiter) {
      const step = await markWaitDue(tx, { tenantId, stepRunId: waiter.stepRunId });
      return { delivered: { ...waiter, jobId: step?.jobId ?? null } };
    }
    if (!keep) return { missed: true };
    const [kept] = await queryRows<{ count: number }>(
      tx,
      sql`SELECT count(*)::int AS "count" FROM (SELECT 1 FROM "WorkflowEvent"
           WHERE "tenantId" = ${tenantId}::uuid AND "expiresAt" > now() LIMIT ${maxKept}) AS k`,
    );
    if ((kept?.count ?? 0) >= maxKept) {
      throw new ConveyorError({
        code: 'RATE_LIMITED',
        message: `the tenant has ${maxKept} events that no step has taken yet; retry later`,
        details: { maxKept },
      });
    }
    const [row] = await queryRows<{ eventId: string; expiresAt: Date }>(
      tx,
      sql`
      INSERT INTO "WorkflowEvent" ("tenantId", "event", "key", "payload", "expiresAt")
      VALUES (${tenantId}::uuid, ${event}, ${key}, ${json}::jsonb, now() + make_interval(secs => ${ttlMs / 1000}))
      RETURNING "id"::text AS "eventId", "expiresAt"`,
    );
    return { kept: row as { eventId: string; expiresAt: Date } };
  });
}

/** Deletes up to `limit` kept events whose time is up; how many. */
export async function deleteExpiredEvents(db: SqlExecutor, limit: number): Promise<number> {
  return execute(
    db,
    sql`DELETE FROM "WorkflowEvent" WHERE "id" IN (SELECT "id" FROM "WorkflowEvent" WHERE "expiresAt" <= now() LIMIT ${limit})`,
  );
}

/** The approval a step of the run waits for (its wait not yet decided), by the step's key; null when none. */
export async function findPendingApproval(
  db: SqlExecutor,
  { tenantId, runId, stepKey, event }: { tenantId: string; runId: string; stepKey: string; event: string },
): Promise<{ stepRunId: string; expiresAt: Date } | null> {
  const [row] = await queryRows<{ stepRunId: string; expiresAt: Date }>(
    db,
    sql`
    SELECT w."stepRunId"::text AS "stepRunId", w."expiresAt" FROM "StepRun" AS s
      JOIN "StepWait" AS w ON w."stepRunId" = s."id" AND w."tenantId" = s."tenantId"
     WHERE s."workflowRunId" = ${runId}::uuid AND s."tenantId" = ${tenantId}::uuid AND s."stepKey" = ${stepKey}
       AND w."event" = ${event} AND w."receivedAt" IS NULL AND w."expiresAt" > now()`,
  );
  return row ?? null;
}

/** Where a step run stands, for an approval link: its run, its key, and whether its wait is still undecided. */
export async function describeApproval(
  db: SqlExecutor,
  { tenantId, stepRunId }: { tenantId: string; stepRunId: string },
): Promise<{ runId: string; stepKey: string; pending: boolean } | null> {
  const [row] = await queryRows<{ runId: string; stepKey: string; pending: boolean }>(
    db,
    sql`
    SELECT s."workflowRunId"::text AS "runId", s."stepKey",
           (w."receivedAt" IS NULL AND w."expiresAt" > now()) AS "pending"
      FROM "StepRun" AS s JOIN "StepWait" AS w ON w."stepRunId" = s."id" AND w."tenantId" = s."tenantId"
     WHERE s."id" = ${stepRunId}::uuid AND s."tenantId" = ${tenantId}::uuid`,
  );
  return row ?? null;
}
