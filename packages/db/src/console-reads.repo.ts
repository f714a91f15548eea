import type { RunStatus } from '@conveyor/engine';
import { queryRows, type SqlExecutor, sql } from './sql';

/** A page of a tenant's runs, newest first: what the console's run list shows of each. */
export interface RunListQuery {
  tenantId: string;
  status?: RunStatus[] | undefined;
  workflowId?: string | undefined;
  triggerId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** A run's id, or the start of its idempotency key. */
  search?: string | undefined;
  limit: number;
  /** Keyset: the runs created before this one (by creation time, then id). */
  before?: { createdAt: Date; id: string } | undefined;
}

export interface RunSummary {
  id: string;
  workflowId: string;
  workflowName: string;
  version: number | null;
  status: RunStatus;
  triggerId: string | null;
  idempotencyKey: string | null;
  priority: number;
  parentRunId: string | null;
  errorCode: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPEN_STATUSES: readonly RunStatus[] = ['PENDING', 'QUEUED', 'RUNNING'];

/**
 * The tenant's runs matching the filters, newest first, `limit` of them after the keyset `before`: every
 * condition is on the run's own row, walked down the (tenantId, createdAt) index, so a page costs the
 * same at the millionth run as at the first (filters that match rarely read further). Two filters take
 * a shorter path: open statuses only (PENDING, QUEUED, RUNNING) start from the tenant's `OpenRun` rows,
 * at most its backlog, however many runs have ended; the start of an idempotency key is also a range of
 * the (tenantId, idempotencyKey) index.
 */
/**
 * `q`: the run of that id, or the runs whose idempotency key starts with it — a range of the
 * (tenantId, idempotencyKey) index, from the prefix up to its successor (the prefix with its last
 * character incremented), checked exactly by `left()`. The range holds every key that starts with the
 * prefix under the byte order of C collations (this database's) and the usual linguistic ones.
 */
function searchCondition(search: string | undefined) {
  if (search === undefined) return sql`TRUE`;
  const byId = UUID.test(search) ? sql`r."id" = ${search}::uuid` : sql`FALSE`;
  const upTo = successorOf(search);
  const below = upTo === null ? sql`TRUE` : sql`r."idempotencyKey" < ${upTo}::text`;
  return sql`(${byId} OR (r."idempotencyKey" >= ${search}::text AND ${below}
              AND left(r."idempotencyKey", length(${search}::text)) = ${search}::text))`;
}

/** The least string above every string that starts with `prefix`; null when there is none (all U+10FFFF). */
export function successorOf(prefix: string): string | null {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()?.codePointAt(0) ?? 0;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1; // surrogates are not characters
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}

export async function listRuns(db: SqlExecutor, query: RunListQuery): Promise<RunSummary[]> {
  const onlyOpen = query.status?.every((status) => OPEN_STATUSES.includes(status)) ?? false;
  const runs = onlyOpen
    ? sql`(SELECT o."runId" FROM "OpenRun" AS o WHERE o."tenantId" = ${query.tenantId}::uuid OFFSET 0) AS open
          JOIN "WorkflowRun" AS r ON r."id" = open."runId"`
    : sql`"WorkflowRun" AS r`;
  return queryRows<RunSummary>(
    db,
    sql`
    SELECT r."id"::text AS "id", r."workflowId"::text AS "workflowId", w."name" AS "workflowName", v."version",
           r."status"::text AS "status", r."triggerId"::text AS "triggerId", r."idempotencyKey", r."priority",
           r."parentRunId"::text AS "parentRunId", r."error"->>'code' AS "errorCode",
           r."createdAt", r."startedAt", r."finishedAt"
      FROM ${runs}
      JOIN "Workflow" AS w ON w."id" = r."workflowId" AND w."tenantId" = r."tenantId"
      LEFT JOIN "WorkflowVersion" AS v ON v."id" = r."workflowVersionId"
     WHERE r."tenantId" = ${query.tenantId}::uuid
       AND (${query.status ?? null}::run_status[] IS NULL OR r."status" = ANY(${query.status ?? null}::run_status[]))
       AND (${query.workflowId ?? null}::uuid IS NULL OR r."workflowId" = ${query.workflowId ?? null}::uuid)
       AND (${query.triggerId ?? null}::uuid IS NULL OR r."triggerId" = ${query.triggerId ?? null}::uuid)
       AND (${query.from ?? null}::timestamptz IS NULL OR r."createdAt" >= ${query.from ?? null}::timestamptz)
       AND (${query.to ?? null}::timestamptz IS NULL OR r."createdAt" < ${query.to ?? null}::timestamptz)
       AND ${searchCondition(query.search)}
       AND (${query.before?.createdAt ?? null}::timestamptz IS NULL
            OR (r."createdAt", r."id") < (${query.before?.createdAt ?? null}::timestamptz, ${query.before?.id ?? null}::uuid))
     ORDER BY r."createdAt" DESC, r."id" DESC
     LIMIT ${query.limit}`,
  );
}

export interface RunStepView {
  id: string;
  stepKey: string;
  status: string;
  attempt: number;
  attemptErrors: unknown;
  output: unknown;
  error: unknown;
  /** When the step was planned: queued from then until its first attempt. */
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  resumeAt: Date | null;
  // From jsonb: its times as ISO strings.
  wait: { event: string; key: string; expiresAt: string; receivedAt: string | null } | null;
  items: { succeeded: number; failed: number } | null;
}

/** One run of the tenant with its steps (their waits and item counts) and its pinned definition; null when none. */
export async function getRunView(db: SqlExecutor, { tenantId, runId }: { tenantId: string; runId: string }) {
  const [run] = await queryRows<
    RunSummary & { input: unknown; output: unknown; error: unknown; definition: unknown; depth: number }
  >(
    db,
    sql`
    SELECT r."id"::text AS "id", r."workflowId"::text AS "workflowId", w."name" AS "workflowName", v."version",
           r."status"::text AS "status", r."triggerId"::text AS "triggerId", r."idempotencyKey", r."priority",
           r."parentRunId"::text AS "parentRunId", r."error"->>'code' AS "errorCode", r."depth",
           r."createdAt", r."startedAt", r."finishedAt", r."input", r."output", r."error", v."definition"
      FROM "WorkflowRun" AS r
      JOIN "Workflow" AS w ON w."id" = r."workflowId" AND w."tenantId" = r."tenantId"
      LEFT JOIN "WorkflowVersion" AS v ON v."id" = r."workflowVersionId"
     WHERE r."id" = ${runId}::uuid AND r."tenantId" = ${tenantId}::uuid`,
  );
  if (!run) return null;
  const steps = await queryRows<RunStepView>(
    db,
    sql`
    SELECT s."id"::text AS "id", s."stepKey", s."status"::text AS "status", s."attempt", s."attemptErrors", s."output",
           s."error", s."createdAt", s."startedAt", s."finishedAt", s."resumeAt",
           CASE WHEN w."stepRunId" IS NULL THEN NULL ELSE jsonb_build_object(
             'event', w."event", 'key', w."key", 'expiresAt', w."expiresAt", 'receivedAt', w."receivedAt") END AS "wait",
           (SELECT CASE WHEN count(*) = 0 THEN NULL ELSE jsonb_build_object(
                     'succeeded', count(*) FILTER (WHERE i."status" = 'SUCCEEDED'),
                     'failed', count(*) FILTER (WHERE i."status" = 'FAILED')) END
              FROM "StepItem" AS i WHERE i."stepRunId" = s."id") AS "items"
      FROM "StepRun" AS s
      LEFT JOIN "StepWait" AS w ON w."stepRunId" = s."id"
     WHERE s."workflowRunId" = ${runId}::uuid AND s."tenantId" = ${tenantId}::uuid
     ORDER BY s."createdAt", s."stepKey"`,
  );
  return { ...run, steps };
}

export interface WorkflowSummary {
  id: string;
  name: string;
  isActive: boolean;
  currentVersion: number | null;
  versions: number;
  createdAt: Date;
}

/** The tenant's workflows (at most `limit`, by name; one when `workflowId` is given), each with its current version and how many it has. */
export async function listWorkflows(
  db: SqlExecutor,
  { tenantId, limit, workflowId }: { tenantId: string; limit: number; workflowId?: string | undefined },
) {
  return queryRows<WorkflowSummary>(
    db,
    sql`
    SELECT w."id"::text AS "id", w."name", w."isActive", cv."version" AS "currentVersion",
           (SELECT count(*)::int FROM "WorkflowVersion" AS v WHERE v."workflowId" = w."id" AND v."tenantId" = w."tenantId") AS "versions",
           w."createdAt"
      FROM "Workflow" AS w LEFT JOIN "WorkflowVersion" AS cv ON cv."id" = w."currentVersionId"
     WHERE w."tenantId" = ${tenantId}::uuid AND (${workflowId ?? null}::uuid IS NULL OR w."id" = ${workflowId ?? null}::uuid)
     ORDER BY w."name", w."id" LIMIT ${limit}`,
  );
}

/** One workflow of the tenant with its versions (newest first, with their definitions) and triggers; null when none. */
export async function getWorkflowView(db: SqlExecutor, { tenantId, workflowId }: { tenantId: string; workflowId: string }) {
  const [workflow] = await listWorkflows(db, { tenantId, workflowId, limit: 1 });
  if (!workflow) return null;
  const versions = await queryRows<{ id: string; version: number; definition: unknown; createdAt: Date }>(
    db,
    sql`SELECT "id"::text AS "id", "version", "definition", "createdAt" FROM "WorkflowVersion"
         WHERE "workflowId" = ${workflowId}::uuid AND "tenantId" = ${tenantId}::uuid ORDER BY "version" DESC LIMIT 100`,
  );
  const triggers = await queryRows<{ id: string; type: string; isActive: boolean; cron: string | null; timezone: string | null }>(
    db,
    sql`SELECT "id"::text AS "id", "type"::text AS "type", "isActive", "cron", "timezone" FROM "Trigger"
         WHERE "workflowId" = ${workflowId}::uuid AND "tenantId" = ${tenantId}::uuid ORDER BY "createdAt"`,
  );
  return { ...workflow, versionList: versions, triggers };
}

/** How many of a workflow's latest runs its stats read. */
export const WORKFLOW_STATS_SAMPLE = 200;

/**
 * A workflow's latest runs (at most WORKFLOW_STATS_SAMPLE, newest first, read down the (tenantId, workflowId,
 * createdAt) index) counted by outcome, with the median and 95th percentile of the ended ones' durations
 * (finishedAt − startedAt, interpolated, in whole ms) and the sample itself; null when the tenant has no such workflow.
 */
export async function getWorkflowStats(db: SqlExecutor, { tenantId, workflowId }: { tenantId: string; workflowId: string }) {
  const [stats] = await queryRows<{
    sample: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    open: number;
    p50Ms: number | null;
    p95Ms: number | null;
    // From jsonb: its times as ISO strings.
    recent: { id: string; status: RunStatus; createdAt: string; durationMs: number | null }[];
  }>(
    db,
    sql`
    SELECT count(s."id")::int AS "sample",
           count(*) FILTER (WHERE s."status" = 'SUCCEEDED')::int AS "succeeded",
           count(*) FILTER (WHERE s."status" = 'FAILED')::int AS "failed",
           count(*) FILTER (WHERE s."status" = 'CANCELLED')::int AS "cancelled",
           count(*) FILTER (WHERE s."status" IN ('PENDING', 'QUEUED', 'RUNNING'))::int AS "open",
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s."durationMs")) AS "p50Ms",
           round(percentile_cont(0.95) WITHIN GROUP (ORDER BY s."durationMs")) AS "p95Ms",
           coalesce(jsonb_agg(jsonb_build_object('id', s."id", 'status', s."status", 'createdAt', s."createdAt",
                                                 'durationMs', s."durationMs") ORDER BY s."createdAt" DESC, s."id" DESC)
                      FILTER (WHERE s."id" IS NOT NULL), '[]') AS "recent"
      FROM "Workflow" AS w
      LEFT JOIN LATERAL (
        SELECT r."id", r."status", r."createdAt",
               CASE WHEN r."status" IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                    THEN (extract(epoch FROM r."finishedAt" - r."startedAt") * 1000)::float8 END AS "durationMs"
          FROM "WorkflowRun" AS r
         WHERE r."tenantId" = ${tenantId}::uuid AND r."workflowId" = ${workflowId}::uuid
         ORDER BY r."createdAt" DESC, r."id" DESC
         LIMIT ${WORKFLOW_STATS_SAMPLE}
      ) AS s ON true
     WHERE w."tenantId" = ${tenantId}::uuid AND w."id" = ${workflowId}::uuid
     GROUP BY w."id"`,
  );
  if (!stats) return null;
  const ended = stats.succeeded + stats.failed;
  return {
    workflowId,
    ...stats,
    successRate: ended === 0 ? null : stats.succeeded / ended,
    recent: stats.recent.map((run) => ({ ...run, createdAt: new Date(run.createdAt) })),
  };
}
