// `npm run bench:flow [-- --quick] [--only=maps|waiting] [--waiting=<n>]`: issue 15's rows alone — a map's
// items/s against one-step runs and chains, and what waiting runs cost (Redis and PostgreSQL bytes, the
// reference workflow and the reconciler next to them, events/s) — on a bench database, Redis prefix and
// worker of its own, all removed at the end. The same scenario ends `npm run bench`. Writes
// bench/results/<timestamp>-flow[-quick].json. See BENCHMARKS.md, "Issue 15: maps and waiting runs".
import { createBenchEnvironment, type Versions } from './lib/environment';
import { guarded } from './lib/guarded';
import { plans } from './lib/plan';
import { parseRuntime } from './lib/processes';
import { createReport } from './lib/report';
import { measureFlow } from './scenarios/flow';

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const waiting = flag('waiting');
const plan = { ...plans[quick ? 'quick' : 'full'], ...(waiting ? { waitingRuns: Number(waiting) } : {}) };
if (!Number.isInteger(plan.waitingRuns) || plan.waitingRuns < 1)
  throw new Error(`--waiting must be a positive integer, not "${waiting}"`);
const only = flag('only');
if (only !== undefined && only !== 'maps' && only !== 'waiting') throw new Error(`--only must be maps or waiting, not "${only}"`);
const report = createReport(plan, quick ? 'flow-quick' : 'flow');
const DEADLINE_MS = (quick ? 15 : 60) * 60_000;

let versions: Versions | undefined;
const failure = await guarded(DEADLINE_MS, async (cleanups) => {
  console.log(`Conveyor benchmark, issue 15's rows (${plan.mode}, ${plan.waitingRuns} waiting runs)`);
  const env = await createBenchEnvironment();
  cleanups.push(() => env.cleanup());
  versions = await env.versions();
  console.log(`  database ${new URL(env.databaseUrl).pathname.slice(1)}, queue prefix ${env.queuePrefix}`);
  const workerOptions = { logLevel: flag('worker-log-level') ?? 'warn', runtime: parseRuntime(flag('worker-runtime')) };
  report.detail('workerOptions', workerOptions);
  await measureFlow(env, plan, report, workerOptions, cleanups, { maps: only !== 'waiting', waiting: only !== 'maps' });
});
console.log(`\n${report.table()}\n`);
console.log(`results: ${await report.write(versions, failure)}`);
process.exit(failure ? 1 : 0);
