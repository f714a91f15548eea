// Scenario 8 (first half) — issue 15's map: items per second of a forEach of `plan.mapItems` transforms
// (`item * 2`) at each concurrency, in one run, against the same transforms done as one-step runs on the
// engine path (`input.n * 2`) and as chains of 500 steps (the most a definition has), round for round;
// and how many statements recorded the map's items (StepItem).
import type { Driver } from '../lib/drivers';
import type { BenchEnvironment } from '../lib/environment';
import { vacuumRunTables } from '../lib/footprint';
import { runBatch, settle, waitForRuns } from '../lib/measure';
import type { Plan } from '../lib/plan';
import type { Report } from '../lib/report';
import { median } from '../lib/stats';
import { mapWorkflow, oneTransformWorkflow, transformLineWorkflow } from '../lib/workflows';

/** The longest chain a definition allows (definition.schema.ts). */
const CHAIN_STEPS = 500;

export interface MapRound {
  concurrency: number;
  items: number;
  /** The run's insert (createdAt) → its finishedAt, PostgreSQL's clock. */
  runMs: number;
  /** The map step's startedAt → finishedAt. */
  stepMs: number;
  itemsPerSec: number;
  /** Transactions that wrote the step's StepItem rows (distinct xmin): one per INSERT, each in its own. */
  itemStatements: number;
  /** What the item writer allows: a statement per 200 items, plus one per 100 ms of the map. */
  itemStatementsBound: number;
}

export interface MapResult {
  maps: Record<number, MapRound[]>;
  /** Transforms per second as one-step runs (plan.mapItems runs a round). */
  oneStepRuns: number[];
  /** Transforms per second as chains of CHAIN_STEPS steps (plan.mapItems / CHAIN_STEPS runs a round). */
  chains: number[];
}

export async function measureMaps(env: BenchEnvironment, plan: Plan, report: Report, driver: Driver): Promise<MapResult> {
  const result: MapResult = { maps: Object.fromEntries(plan.mapConcurrencies.map((c) => [c, []])), oneStepRuns: [], chains: [] };
  const chainRuns = Math.max(1, Math.round(plan.mapItems / CHAIN_STEPS));
  for (let i = 0; i < plan.mapRepeats; i++) {
    for (const concurrency of plan.mapConcurrencies)
      result.maps[concurrency]?.push(await mapRound(env, driver, plan.mapItems, concurrency));
    await vacuumRunTables(env);
    const oneStep = await runBatch(env, driver, oneTransformWorkflow(), plan.mapItems, { timeoutMs: 300_000 });
    result.oneStepRuns.push(oneStep.stepsPerSec);
    await settle();
    await vacuumRunTables(env);
    const chain = await runBatch(env, driver, transformLineWorkflow(CHAIN_STEPS), chainRuns, { timeoutMs: 300_000 });
    result.chains.push(chain.stepsPerSec);
    await settle();
  }
  report.detail('map', result);
  reportMaps(report, plan, result, chainRuns);
  return result;
}

/** One run of the map: its time, and how its items were recorded. */
async function mapRound(env: BenchEnvironment, driver: Driver, items: number, concurrency: number): Promise<MapRound> {
  await vacuumRunTables(env);
  const fixture = await driver.seed(mapWorkflow(concurrency));
  const { runId } = await driver.start(fixture, { n: 0, items: Array.from({ length: items }, (_, i) => i) });
  await waitForRuns(env, fixture.workflowId, 1, 300_000);
  const { rows } = await env.pool.query<{ runMs: number; stepMs: number; outputs: number; statements: string; recorded: string }>(
    `SELECT (extract(epoch FROM r."finishedAt" - r."createdAt") * 1000)::float8 AS "runMs",
            (extract(epoch FROM s."finishedAt" - s."startedAt") * 1000)::float8 AS "stepMs",
            jsonb_array_length(s."output") AS "outputs",
            (SELECT count(DISTINCT i.xmin::text) FROM "StepItem" i WHERE i."stepRunId" = s."id") AS "statements",
            (SELECT count(*) FROM "StepItem" i WHERE i."stepRunId" = s."id") AS "recorded"
       FROM "WorkflowRun" r JOIN "StepRun" s ON s."workflowRunId" = r."id" WHERE r."id" = $1`,
    [runId],
  );
  const row = rows[0];
  if (!row || row.outputs !== items || Number(row.recorded) !== items)
    throw new Error(`map run ${runId}: ${row?.outputs} outputs and ${row?.recorded} StepItem rows for ${items} items`);
  await settle();
  return {
    concurrency,
    items,
    runMs: row.runMs,
    stepMs: row.stepMs,
    itemsPerSec: (items * 1000) / row.runMs,
    itemStatements: Number(row.statements),
    itemStatementsBound: Math.ceil(items / 200) + Math.ceil(row.stepMs / 100),
  };
}

function reportMaps(report: Report, plan: Plan, result: MapResult, chainRuns: number): void {
  const oneStep = median(result.oneStepRuns);
  const chain = median(result.chains);
  const times = `median of ${plan.mapRepeats}`;
  for (const [concurrency, rounds] of Object.entries(result.maps)) {
    const itemsPerSec = median(rounds.map((round) => round.itemsPerSec));
    const what = `forEach of ${plan.mapItems} transforms, concurrency ${concurrency} (${times})`;
    report.add({
      scenario: '8 map',
      metric: `${what}, items/s`,
      unit: 'items/s',
      value: itemsPerSec,
      baseline: { name: `${plan.mapItems} one-step runs, engine path`, value: oneStep },
      better: 'higher',
    });
    report.add({
      scenario: '8 map',
      metric: `${what}, items/s against chains`,
      unit: 'items/s',
      value: itemsPerSec,
      baseline: { name: `${chainRuns} run(s) of a ${CHAIN_STEPS}-step chain, steps/s`, value: chain },
      better: 'higher',
    });
    const statements = Math.max(...rounds.map((round) => round.itemStatements));
    report.add({
      scenario: '8 map',
      metric: `StepItem INSERT statements per ${plan.mapItems} items, concurrency ${concurrency} (most of ${rounds.length}; distinct xmin)`,
      unit: 'statements',
      value: statements,
      better: 'lower',
      target: {
        text: '≤ one per 200 items plus one per 100 ms of the map',
        met: rounds.every((r) => r.itemStatements <= r.itemStatementsBound),
      },
    });
  }
}
