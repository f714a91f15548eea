// `npm run bench:soak [-- --minutes=10] [--lines=1000000]`: sustained load on the HTTP path, issue 14's soak.
// Starts its own PostgreSQL cluster (stock settings, autovacuum on), Redis and FerretDB; one api and one worker
// at their defaults; pre-fills the log store; measures the closed-loop HTTP peak (50 callers, 30 s), then
// soaks at 80 % of it, open-loop, for `--minutes`. Writes bench/results/<timestamp>-soak.json and prints a
// table. Everything it started is stopped and removed at the end, on failure and on SIGINT/SIGTERM.
// See BENCHMARKS.md, "Soak".
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { cleanupAll } from '../chaos/cleanup';
import { rssMiB } from './lib/processes';
import { finishedRuns, logStoreSizes, releaseWal, reserveWal, runTableSizes, walByDatabase } from './soak/measure';
import { measurePeak, soak } from './soak/phases';
import { startPlatform } from './soak/platform';
import { prefillLogStore } from './soak/prefill';
import { buildReport, printReport, writeReport } from './soak/report';
import { LOG_DATABASE, startSoakServices } from './soak/services';

const options = z
  .object({
    minutes: z.coerce.number().int().positive().default(10),
    lines: z.coerce.number().int().nonnegative().default(1_000_000),
    callers: z.coerce.number().int().positive().default(50),
    'peak-seconds': z.coerce.number().positive().default(30),
    load: z.coerce.number().positive().max(1).default(0.8),
  })
  .parse(
    parseArgs({
      options: {
        minutes: { type: 'string' },
        lines: { type: 'string' },
        callers: { type: 'string' },
        'peak-seconds': { type: 'string' },
        load: { type: 'string' },
      },
    }).values,
  );
const WARM_UP_SECONDS = 10;
const started = Date.now();
const log = (line: string) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
// A hang guard well above the expected duration (the prefill of 10^6 lines included); every wait has its own bound too.
const watchdog = setTimeout(
  () => {
    log('the soak ran far past its expected duration: stopping');
    void cleanupAll().finally(() => process.exit(2));
  },
  (options.minutes + 60) * 60_000,
);

let exitCode = 0;
try {
  const services = await startSoakServices(log);
  const platform = await startPlatform(services);
  log(`api and worker up (pids ${platform.apiPid}, ${platform.workerPid})`);
  const prefill = await prefillLogStore(services.mongoUrl, options.lines, platform.tenantId);
  log(`log store pre-filled: ${prefill.lines} lines in ${(prefill.ms / 1000).toFixed(1)} s`);
  const servicePids = { postgres: services.postgres.pid(), ferretdb: services.ferret.pid(), redis: services.redis.pid() };
  await measurePeak(services.databaseUrl, platform, servicePids, options.callers, WARM_UP_SECONDS);
  const peak = await measurePeak(services.databaseUrl, platform, servicePids, options.callers, options['peak-seconds']);
  if (peak.completedPerSec === 0) throw new Error('no run finished during the peak: nothing to soak at');
  const rate = peak.completedPerSec * options.load;
  const warmWorkerRssMiB = rssMiB(platform.workerPid);
  log(`peak ${peak.completedPerSec.toFixed(1)} completed/s (${peak.refused} refused); soaking at ${rate.toFixed(1)}/s`);
  await reserveWal(services.databaseUrl);
  const phase = await soak(services.databaseUrl, platform, servicePids, rate, options.minutes, log);
  log('reading the figures (the WAL of the soak, the log store counted)');
  const windows = await finishedRuns(services.databaseUrl, phase.startedAt, phase.endedAt, options.minutes);
  const wal = await walByDatabase(services.databaseUrl, phase.before.walLsn, phase.after.walLsn);
  await releaseWal(services.databaseUrl);
  const runTables = await runTableSizes(services.databaseUrl);
  const logStore = await logStoreSizes(services.ferretDatabaseUrl, LOG_DATABASE);
  const report = buildReport({
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
    startedAt: new Date(started).toISOString(),
    durationSec: (Date.now() - started) / 1000,
    postgresSettings: services.postgresSettings,
    minutes: options.minutes,
    prefill,
    peak,
    rate,
    warmWorkerRssMiB,
    phase,
    windows,
    wal,
    runTables,
    logStore,
  });
  printReport(report);
  log(`results: ${await writeReport(report)}`);
  await platform.stop();
} catch (error) {
  console.error('soak failed:', error);
  exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanupAll();
}
process.exit(exitCode);
