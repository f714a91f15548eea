// The rows of scenario 7 (http), with issue 14's targets.
import type { CpuPerRun, HttpRound, Measured } from '../lib/http-round';
import type { Report } from '../lib/report';
import type { EnginePath, HttpResults } from './http';

const SCENARIO = '7 http';
/** The callers at which issue 14 sets its HTTP targets. */
const TARGET_CALLERS = 50;
const TARGETS = {
  ratio: 0.9,
  overhead: { p50: 2, p99: 10 },
  halfPeak: { p50: 20, p99: 100 },
  hot: 0.8,
};

export function reportHttp(report: Report, { engine, rounds, halfPeak }: HttpResults): void {
  report.add({
    scenario: SCENARIO,
    metric: `engine path (insert + dispatch + enqueue from the bench), ${engine.runs} runs, api + worker at defaults`,
    unit: 'runs/s',
    value: engine.runsPerSec,
    better: 'higher',
  });
  report.add({
    scenario: SCENARIO,
    metric: `engine path: CPU per run (${split(engine)} ms)`,
    unit: 'ms',
    value: totalCpu(engine.cpuMsPerRun),
    better: 'lower',
  });
  reportCosts(report, 'engine path', engine);
  for (const round of rounds) reportRound(report, round, engine);
  for (const round of halfPeak) reportHalfPeak(report, round);
}

function reportRound(report: Report, round: HttpRound, engine: EnginePath): void {
  const label = `${round.target}, ${round.concurrency} callers`;
  const atTarget = round.concurrency === TARGET_CALLERS;
  const { load } = round;
  const perSec = (count: number) => (count * 1000) / (load.endedAt - load.startedAt);
  const accepted = Object.entries(load.statuses).reduce(
    (total, [status, count]) => total + (status.startsWith('2') ? count : 0),
    0,
  );
  const refused = load.statuses['429'] ?? 0;
  const inserts = round.target === 'hasura' ? `, inserts refused by the run-insert validation ${load.insertsRefused}` : '';
  report.add({
    scenario: SCENARIO,
    metric: `${label}: accepted (2xx) — refused 429 ${perSec(refused).toFixed(1)}/s (${load.refusedWithRetryAfter} with Retry-After)${inserts}, errors ${load.errors}, request p50/p99 ${load.latencyMs.p50.toFixed(1)}/${load.latencyMs.p99.toFixed(1)} ms`,
    unit: 'req/s',
    value: perSec(accepted),
    better: 'higher',
  });
  const completed = report.add({
    scenario: SCENARIO,
    metric: `${label}: completed runs/s inside the ${Math.round(round.windowSeconds)} s window (then ${(round.drainMs / 1000).toFixed(1)} s to drain ${round.runs} runs)`,
    unit: 'runs/s',
    value: round.completedPerSec,
    baseline: { name: 'engine path, same worker', value: engine.runsPerSec },
    better: 'higher',
  });
  if (atTarget) completed.target = { text: `HTTP ÷ engine ≥ ${TARGETS.ratio}`, met: (completed.ratio ?? 0) >= TARGETS.ratio };
  for (const p of ['p50', 'p99'] as const) {
    report.add({
      scenario: SCENARIO,
      metric: `${label}: insert → finish ${p}`,
      unit: 'ms',
      value: round.insertToFinishMs[p],
      better: 'lower',
    });
  }
  report.add({
    scenario: SCENARIO,
    metric: `${label}: CPU per run (${split(round)} ms)`,
    unit: 'ms',
    value: totalCpu(round.cpuMsPerRun),
    baseline: { name: 'engine path', value: totalCpu(engine.cpuMsPerRun) },
    better: 'lower',
  });
  for (const p of ['p50', 'p99'] as const) {
    const row = report.add({
      scenario: SCENARIO,
      metric: `${label}: step overhead (StepRun span − attempt) ${p}`,
      unit: 'ms',
      value: round.steps.overheadMs[p],
      better: 'lower',
    });
    if (atTarget) row.target = { text: `≤ ${TARGETS.overhead[p]} ms`, met: row.value <= TARGETS.overhead[p] };
  }
  if (atTarget) reportCosts(report, label, round);
}

function reportHalfPeak(report: Report, round: HttpRound): void {
  const label = `${round.target}, ${round.ratePerSec} req/s open loop (half its peak)`;
  for (const p of ['p50', 'p99'] as const) {
    const row = report.add({
      scenario: SCENARIO,
      metric: `${label}: insert → finish ${p}`,
      unit: 'ms',
      value: round.insertToFinishMs[p],
      better: 'lower',
    });
    row.target = { text: `≤ ${TARGETS.halfPeak[p]} ms`, met: row.value <= TARGETS.halfPeak[p] };
  }
}

/** Per-run database and Redis costs of one round. */
function reportCosts(report: Report, label: string, { costs }: Measured): void {
  report.add({
    scenario: SCENARIO,
    metric: `${label}: PostgreSQL WAL per run, bench database (whole cluster: ${costs.clusterWalBytesPerRun.toFixed(0)})`,
    unit: 'bytes',
    value: costs.walBytesPerRun,
    better: 'lower',
  });
  report.add({
    scenario: SCENARIO,
    metric: `${label}: statements per run, client side (api + worker + producer); ${costs.transactionsPerRun.toFixed(1)} transactions per run in the database`,
    unit: 'statements',
    value: costs.statementsPerRun,
    better: 'lower',
  });
  for (const table of ['WorkflowRun', 'StepRun'] as const) {
    const row = report.add({
      scenario: SCENARIO,
      metric: `${label}: HOT-update ratio of ${table} (${costs.updatesPerRun[table].toFixed(1)} updates per run)`,
      unit: '',
      value: costs.hotRatio[table],
      better: 'higher',
    });
    row.target = { text: `≥ ${TARGETS.hot}`, met: row.value >= TARGETS.hot };
  }
  report.add({
    scenario: SCENARIO,
    metric: `${label}: Redis commands per run sent by api + worker${label === 'engine path' ? ' (not the bench’s enqueue)' : ''}; ${costs.redisCommandsPerRun.toFixed(0)} executed by the whole server`,
    unit: 'commands',
    value: costs.sentRedisCommandsPerRun,
    better: 'lower',
  });
}

const totalCpu = (cpu: CpuPerRun) => Object.values(cpu).reduce((total, value) => total + value, 0);
/** Each process's share; PostgreSQL's: the bench database's backends, then in brackets every PostgreSQL process. */
const split = ({ cpuMsPerRun, postgresAllCpuMsPerRun }: Measured) =>
  Object.entries(cpuMsPerRun)
    .map(([name, ms]) => `${name} ${ms.toFixed(1)}${name === 'postgres' ? ` [all ${postgresAllCpuMsPerRun.toFixed(1)}]` : ''}`)
    .join(', ');
