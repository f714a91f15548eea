// `npm run bench:http [-- --quick]`: scenario 7 of `npm run bench` on its own (runs entered over HTTP, issue 14).
//   --quick                      10 s windows (full: 30 s)
//   --worker-log-level=<level>   LOG_LEVEL of the api and the worker (default warn)
//   --worker-node-options=<...>  NODE_OPTIONS of the api and the worker
// Writes bench/results/<timestamp>-http-<quick|full>.json. See BENCHMARKS.md.
import { createBenchEnvironment, type Versions } from './lib/environment';
import { guarded } from './lib/guarded';
import { plans } from './lib/plan';
import { createReport } from './lib/report';
import { measureHttp } from './scenarios/http';

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const plan = plans[process.argv.includes('--quick') ? 'quick' : 'full'];
const report = createReport(plan, `http-${plan.mode}`);
const options = { logLevel: flag('worker-log-level') ?? 'warn', nodeOptions: flag('worker-node-options') ?? '' };
const DEADLINE_MS = (plan.mode === 'quick' ? 10 : 30) * 60_000;

let versions: Versions | undefined;
const failure = await guarded(DEADLINE_MS, async (cleanups) => {
  const env = await createBenchEnvironment();
  cleanups.push(() => env.cleanup());
  versions = await env.versions();
  report.detail('workerOptions', options);
  console.log(`Conveyor http benchmark (${plan.mode}), database ${new URL(env.databaseUrl).pathname.slice(1)}`);
  await measureHttp(env, plan, report, options, cleanups);
});
console.log(`\n${report.table()}\n`);
console.log(`results: ${await report.write(versions, failure)}`);
process.exit(failure ? 1 : 0);
