// The scorecard checks of one scenario, read from its database, its log store and the target's counts.
import { MongoClient } from 'mongodb';
import { sleep } from './cleanup';
import type { LoadResult, Target } from './load';
import type { WorkerExit } from './platform';
import { sql } from './services';

const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface Scorecard {
  scenario: string;
  note: string;
  runsSent: number;
  accepted: number;
  inDatabase: number;
  lost: number;
  notTerminal: number;
  /** status → count of the runs not terminal */
  notTerminalByStatus: Record<string, number>;
  stepsNotTerminal: number;
  failed: number;
  failedByCode: Record<string, number>;
  /** (run, stepKey) of SUCCEEDED runs whose SUCCEEDED StepRuns ≠ 1 */
  stepsSucceededNot1: number;
  /** stepRunId + attempt with more than one "step succeeded" log line */
  succeededLoggedTwice: number;
  /** stepRunIds with "step succeeded" logged more than once, across attempts (a step completed twice) */
  stepsLoggedSucceededTwice: number;
  /** Idempotency keys the target saw more than once, and whether a worker died during the scenario */
  duplicateCalls: number;
  workerDied: boolean;
  api5xx: Record<string, number>;
  apiStatuses: Record<string, number>;
  drainMs: number | null;
  peakWorkerRssMiB: number;
  workerExits: WorkerExit[];
  logLinesStored: number;
  logLinesExpected: number | null;
  details: Record<string, unknown>;
}

export interface CheckInput {
  scenario: string;
  note: string;
  databaseUrl: string;
  mongoUrl: string;
  load: LoadResult;
  target: Target;
  drainMs: number | null;
  peakWorkerRssMiB: number;
  workerExits: WorkerExit[];
  /** Log lines one SUCCEEDED run writes (learnt in `none`); null before it is known. */
  linesPerRun: number | null;
  details?: Record<string, unknown>;
}

/** Polls until every run the api accepted is terminal (or `timeoutMs`); returns the time it took, or null. */
export async function waitForDrain(databaseUrl: string, accepted: string[], timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  while (Date.now() < deadline) {
    try {
      // Every accepted run finished, and no other run is still open: a run created by a call that was
      // answered 503 (Redis down after the insert) is the reconciler's to finish, and is counted too.
      const { rows } = await sql(
        databaseUrl,
        `SELECT count(*) FILTER (WHERE id = ANY($1::uuid[]) AND status::text = ANY($2::text[]))::int AS n,
                count(*) FILTER (WHERE NOT status::text = ANY($2::text[]))::int AS open
           FROM "WorkflowRun"`,
        [accepted, TERMINAL],
      );
      if (rows[0].n === accepted.length && rows[0].open === 0) return Date.now() - started;
    } catch {
      // the database may be restarting
    }
    await sleep(500);
  }
  return null;
}

export async function runChecks(input: CheckInput): Promise<Scorecard> {
  const { databaseUrl, load } = input;
  const accepted = [...new Set(load.accepted)];
  // A failed run's code, with its failed steps' keys and codes (e.g. `STEP_FAILED: prepare WORKER_LOST`).
  const runs = (
    await sql(
      databaseUrl,
      `SELECT r.id, r.status::text AS status,
              concat_ws(': ', r.error->>'code', (SELECT string_agg(s."stepKey" || ' ' || COALESCE(s.error->>'code', '?'), ', ' ORDER BY s."stepKey")
                                                   FROM "StepRun" s WHERE s."workflowRunId" = r.id AND s.status = 'FAILED')) AS "failedAs"
         FROM "WorkflowRun" r`,
    )
  ).rows as { id: string; status: string; failedAs: string | null }[];
  const byId = new Map(runs.map((r) => [r.id, r]));
  const notTerminalByStatus: Record<string, number> = {};
  const failedByCode: Record<string, number> = {};
  let notTerminal = 0;
  let failed = 0;
  for (const run of runs) {
    if (!TERMINAL.includes(run.status)) {
      notTerminal++;
      notTerminalByStatus[run.status] = (notTerminalByStatus[run.status] ?? 0) + 1;
    }
    if (run.status === 'FAILED') {
      failed++;
      const code = run.failedAs || '?';
      failedByCode[code] = (failedByCode[code] ?? 0) + 1;
    }
  }
  const stepsNotTerminal = (
    await sql(databaseUrl, `SELECT count(*)::int AS n FROM "StepRun" WHERE status::text IN ('PENDING','QUEUED','RUNNING')`)
  ).rows[0].n as number;
  const stepsSucceededNot1 = (
    await sql(
      databaseUrl,
      `SELECT count(*)::int AS n FROM "WorkflowRun" r CROSS JOIN (VALUES ('prepare'),('call'),('finish')) k(key)
       WHERE r.status = 'SUCCEEDED' AND (SELECT count(*) FROM "StepRun" s
         WHERE s."workflowRunId" = r.id AND s."stepKey" = k.key AND s.status = 'SUCCEEDED') <> 1`,
    )
  ).rows[0].n as number;
  const callIds = new Set(
    (await sql(databaseUrl, `SELECT id FROM "StepRun" WHERE "stepKey" = 'call'`)).rows.map((r: { id: string }) => r.id),
  );
  const duplicateCalls = [...input.target.counts()].filter(([key, n]) => n > 1 && callIds.has(key)).length;
  const logs = await readLogs(input.mongoUrl);
  const lost = accepted.filter((id) => !byId.has(id)).length;
  const succeededRuns = runs.filter((r) => r.status === 'SUCCEEDED').length;
  return {
    scenario: input.scenario,
    note: input.note,
    runsSent: load.sent,
    accepted: accepted.length,
    inDatabase: runs.length,
    lost,
    notTerminal,
    notTerminalByStatus,
    stepsNotTerminal,
    failed,
    failedByCode,
    stepsSucceededNot1,
    succeededLoggedTwice: logs.succeededTwice,
    stepsLoggedSucceededTwice: logs.stepsSucceededTwice,
    duplicateCalls,
    workerDied: input.workerExits.length > 0,
    api5xx: load.errors5xx,
    apiStatuses: load.statuses,
    drainMs: input.drainMs,
    peakWorkerRssMiB: input.peakWorkerRssMiB,
    workerExits: input.workerExits,
    logLinesStored: logs.lines,
    logLinesExpected: input.linesPerRun === null ? null : input.linesPerRun * succeededRuns,
    details: { ...input.details, logReadError: logs.error },
  };
}

/** Lines stored, and "step succeeded" lines repeated for one step attempt. */
async function readLogs(
  mongoUrl: string,
): Promise<{ lines: number; succeededTwice: number; stepsSucceededTwice: number; error?: string }> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
  try {
    const collection = client.db().collection('execution_logs');
    const lines = await collection.countDocuments({});
    const succeeded = await collection
      .find({ message: { $regex: '^step succeeded' } }, { projection: { stepRunId: 1, context: 1 } })
      .toArray();
    const seen = new Map<string, number>();
    const perStep = new Map<string, number>();
    for (const doc of succeeded) {
      const key = `${doc.stepRunId}#${(doc.context as { attempt?: number } | undefined)?.attempt ?? '?'}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      perStep.set(String(doc.stepRunId), (perStep.get(String(doc.stepRunId)) ?? 0) + 1);
    }
    const twice = (counts: Map<string, number>) => [...counts.values()].filter((n) => n > 1).length;
    return { lines, succeededTwice: twice(seen), stepsSucceededTwice: twice(perStep) };
  } catch (error) {
    return { lines: -1, succeededTwice: -1, stepsSucceededTwice: -1, error: String(error) };
  } finally {
    await client.close().catch(() => undefined);
  }
}
