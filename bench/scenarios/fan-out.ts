// Scenario 4 — one run of `width` parallel steps joined by one step: time from the run's insert to
// its finish. The yardstick is derived: the same number of steps at the raw core loop's step rate.
import type { Driver } from '../lib/drivers';
import type { BenchEnvironment } from '../lib/environment';
import { settle, waitForRuns } from '../lib/measure';
import type { Plan } from '../lib/plan';
import type { Report } from '../lib/report';
import { median } from '../lib/stats';
import { fanOutWorkflow } from '../lib/workflows';
import type { Throughput } from './throughput';

export interface FanOut {
  workers: number;
  /** Producer start → run finishedAt, per repeat, ms. */
  totalMs: number[];
  /** Last branch finished → join started, per repeat, ms. */
  joinHandoffMs: number[];
  /** Run created → last branch started, per repeat, ms. */
  lastBranchStartMs: number[];
}

export async function measureFanOut(
  env: BenchEnvironment,
  plan: Plan,
  report: Report,
  { driver, workers, throughput }: { driver: Driver; workers: number; throughput: Throughput },
): Promise<FanOut> {
  const fixture = await driver.seed(fanOutWorkflow(plan.fanOutWidth));
  const result: FanOut = { workers, totalMs: [], joinHandoffMs: [], lastBranchStartMs: [] };
  for (let i = 0; i < plan.fanOutRepeats; i++) {
    const started = Date.now();
    const { runId } = await driver.start(fixture, { n: i });
    const finishedAt = await waitForRuns(env, fixture.workflowId, i + 1, 60_000);
    result.totalMs.push(finishedAt - started);
    const { rows } = await env.pool.query<{ join: number; lastStart: number }>(
      `SELECT (EXTRACT(EPOCH FROM max(s."startedAt") FILTER (WHERE s."stepKey" = 'join')
                              - max(s."finishedAt") FILTER (WHERE s."stepKey" <> 'join')) * 1000)::float8 AS "join",
              (EXTRACT(EPOCH FROM max(s."startedAt") FILTER (WHERE s."stepKey" <> 'join') - r."createdAt") * 1000)::float8 AS "lastStart"
         FROM "WorkflowRun" r JOIN "StepRun" s ON s."workflowRunId" = r."id" WHERE r."id" = $1 GROUP BY r."createdAt"`,
      [runId],
    );
    result.joinHandoffMs.push(rows[0]?.join ?? Number.NaN);
    result.lastBranchStartMs.push(rows[0]?.lastStart ?? Number.NaN);
    await settle();
  }
  report.detail(`fanOut.${workers}worker`, result);
  const steps = plan.fanOutWidth + 1;
  const one = workers === 1;
  const rawStepsPerSec = 3 * throughput.raw.runsPerSec;
  report.add({
    scenario: '4 fan-out',
    metric: `${plan.fanOutWidth} parallel steps + join, ${workers} worker${one ? '' : 's'} (median of ${plan.fanOutRepeats})`,
    unit: 'ms',
    value: median(result.totalMs),
    baseline: { name: `${steps} steps at the raw loop's step rate (derived)`, value: (steps * 1000) / rawStepsPerSec },
    better: 'lower',
  });
  return result;
}
