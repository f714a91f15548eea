import { LOG_COLLECTION } from '@conveyor/logs';
import type { BenchEnvironment } from './environment';
import { pollUntil, summarize } from './stats';

/**
 * Per step of a workflow's runs (steps named s0, s1, …): PostgreSQL's timestamps, and the attempt's
 * `durationMs` from its "step succeeded" execution log line in the `logLabel` log store. Overhead is
 * the StepRun span (finishedAt − startedAt) minus the attempt's own time.
 */
export async function stepTimes(
  env: BenchEnvironment,
  { workflowId, steps, logLabel }: { workflowId: string; steps: number; logLabel: string },
) {
  const { rows } = await env.pool.query<{ id: string; span: number; handoff: number | null; first: number | null }>(
    `SELECT s."id"::text AS id, (EXTRACT(EPOCH FROM s."finishedAt" - s."startedAt") * 1000)::float8 AS span,
            (EXTRACT(EPOCH FROM s."startedAt" - p."finishedAt") * 1000)::float8 AS handoff,
            CASE WHEN s."stepKey" = 's0' THEN (EXTRACT(EPOCH FROM s."startedAt" - r."createdAt") * 1000)::float8 END AS first
       FROM "WorkflowRun" r JOIN "StepRun" s ON s."workflowRunId" = r."id"
       LEFT JOIN "StepRun" p ON p."workflowRunId" = r."id" AND p."stepKey" = 's' || (substr(s."stepKey", 2)::int - 1)::text
      WHERE r."workflowId" = $1`,
    [workflowId],
  );
  const logs = env.mongoDb(logLabel).db.collection(LOG_COLLECTION);
  const ids = rows.map((row) => row.id);
  const query = { stepRunId: { $in: ids }, message: { $regex: '^step succeeded' } };
  await pollUntil(
    'the steps’ log lines',
    async () => ((await logs.countDocuments(query)) >= steps ? true : undefined),
    60_000,
    200,
  );
  const attempt = new Map<string, number>();
  for await (const doc of logs.find(query, { projection: { stepRunId: 1, context: 1 } })) {
    attempt.set(String(doc.stepRunId), Number((doc.context as { durationMs?: number } | undefined)?.durationMs ?? 0));
  }
  return {
    spanMs: summarize(rows.map((row) => row.span)),
    attemptMs: summarize(rows.map((row) => attempt.get(row.id) ?? 0)),
    overheadMs: summarize(rows.map((row) => row.span - (attempt.get(row.id) ?? 0))),
    handoffMs: summarize(rows.flatMap((row) => (row.handoff === null ? [] : [row.handoff]))),
    firstStartMs: summarize(rows.flatMap((row) => (row.first === null ? [] : [row.first]))),
  };
}

export type StepTimes = Awaited<ReturnType<typeof stepTimes>>;
