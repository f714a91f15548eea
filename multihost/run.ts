// `npm run multihost [-- --rate 3 --load-seconds 75 --cut-seconds 30]` (root: it creates network namespaces):
// PostgreSQL, Redis and FerretDB in one namespace, the api in another, two workers in two more, all on one
// bridge. Under bounded load, w1 is cut off for 30 s and restored; then the api's namespace is torn down and
// recreated with a new api while deliveries go on, and Hasura's retries are replayed. Writes docs/multihost.md
// and multihost/results/<timestamp>.json; cleans up everything it created, also on failure and SIGINT.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { applyMigrations, createDatabase } from '@conveyor/db';
import { freePort, migrationsDir, repoRoot, seedWebhookTrigger, seedWorkflow } from '@conveyor/testing';
import { runChecks, waitForDrain } from '../chaos/checks';
import { cleanupAll, onCleanup, sleep } from '../chaos/cleanup';
import { chaosWorkflow, driveLoad, type LoadResult, startTarget } from '../chaos/load';
import { type Endpoints, Platform, startApp } from '../chaos/platform';
import { sql, startFerretDB, startPostgres, startRedis } from '../chaos/services';
import { driveHasuraLoad, replay } from './hasura';
import { cutAndRestore, cutStepsOutcome, startTimeline } from './partition';
import { writeReport } from './report';
import { checkRouting, createHost, createTopology, deleteHost, planTopology } from './topology';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '3' },
    'load-seconds': { type: 'string', default: '75' },
    'cut-after': { type: 'string', default: '12' },
    'cut-seconds': { type: 'string', default: '30' },
    'no-write': { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const loadSeconds = Number(values['load-seconds']);
const cutAfterMs = Number(values['cut-after']) * 1000;
const cutMs = Number(values['cut-seconds']) * 1000;
const HOOK_SECRET = 'multihost-hook-secret-0123456789abcdef';
const log = (line: string) => process.stdout.write(`[multihost ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const startedAt = new Date();
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
const timeline = startTimeline(log);
const watchdog = setTimeout(() => {
  log('the run went past 10 minutes: stopping');
  void cleanupAll().finally(() => process.exit(2));
}, 10 * 60_000);

/** Re-sends every webhook call of the load with its Idempotency-Key (a caller retrying what it is unsure of). */
async function replayWebhooks(apiUrl: string, triggerId: string, secret: string, runs: number) {
  const replies: { key: string; status: string; runId?: string; created?: boolean }[] = [];
  for (let start = 0; start < runs; start += 10) {
    const batch = Array.from({ length: Math.min(10, runs - start) }, (_, k) => start + k);
    await Promise.all(
      batch.map(async (i) => {
        const response = await fetch(`${apiUrl}/hooks/triggers/${triggerId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-conveyor-trigger-secret': secret, 'idempotency-key': `chaos-${i}` },
          body: JSON.stringify({ n: i, slow: false }),
          signal: AbortSignal.timeout(10_000),
        }).catch(() => null);
        const body = ((await response?.json().catch(() => ({}))) ?? {}) as { runId?: string; created?: boolean };
        replies.push({ key: `chaos-${i}`, ...body, status: String(response?.status ?? 'network') });
      }),
    );
  }
  return replies;
}

let exitCode = 0;
try {
  const topology = planTopology();
  const { db: dbHost, api: apiHost, w1, w2 } = topology.hosts;
  createTopology(topology);
  timeline.mark(`bridge ${topology.bridge} (${topology.bridgeIp}/24) and namespaces db, api, w1, w2 created`);
  const routes = await checkRouting(topology);
  timeline.mark(`routing checked: ${routes.length} TCP handshakes from every namespace to the bridge address`);
  const place = { netns: dbHost.netns, host: dbHost.ip, label: 'multihost' };
  const postgres = await startPostgres(place);
  const redis = await startRedis(place);
  const ferret = await startFerretDB(postgres, place);
  await sql(postgres.url('postgres'), 'CREATE DATABASE multihost');
  await applyMigrations({ databaseUrl: postgres.url('multihost'), migrationsDir });
  timeline.mark(`db host up: postgres :${postgres.port}, redis :${redis.port}, ferretdb :${ferret.port} on ${dbHost.ip}`);
  const target = await startTarget({ host: topology.bridgeIp });
  onCleanup('target', () => target.close());
  const endpoints: Endpoints = {
    databaseUrl: postgres.url('multihost'),
    redisUrl: redis.url,
    mongoUrl: ferret.url('multihost'),
    queuePrefix: 'multihost',
    allowPrivate: `${topology.bridgeIp}/32`,
  };
  const database = createDatabase({ url: endpoints.databaseUrl, poolSize: 4 });
  onCleanup('database client', () => database.close());
  const fixture = await seedWorkflow(database.prisma, chaosWorkflow(target.url), {
    slug: 'multihost',
    allowPrivateNetworks: [endpoints.allowPrivate],
  });
  const { triggerId, secret } = await seedWebhookTrigger(database.prisma, fixture);
  const platform = new Platform(endpoints, 0);
  const apiPort = await freePort();
  const apiUrl = `http://${apiHost.ip}:${apiPort}`;
  let apiStarts = 0;
  const startApi = () =>
    startApp(
      'api',
      `api-${++apiStarts}`,
      { API_PORT: String(apiPort), API_HOST: apiHost.ip, CONVEYOR_HOOK_SECRET: HOOK_SECRET },
      endpoints,
      apiPort,
      `${apiUrl}/readyz`,
      apiHost.netns,
    );
  platform.api = await startApi();
  const worker1 = await platform.startWorker({ netns: w1.netns, host: w1.ip });
  const worker2 = await platform.startWorker({ netns: w2.netns, host: w2.ip });
  platform.workers.push(worker1, worker2);
  timeline.mark(`api on ${apiHost.ip}:${apiPort}, w1 on ${w1.ip}, w2 on ${w2.ip}: all ready`);

  const runs = rate * loadSeconds;
  const webhookLoad = driveLoad({
    apiUrl,
    triggerId,
    secret,
    runs,
    perSecond: rate,
    concurrency: 10,
    input: (i) => ({ n: i, slow: false }),
  });
  const hasuraLoad = driveHasuraLoad({ prisma: database.prisma, fixture, apiUrl, secret: HOOK_SECRET, runs, perSecond: rate });
  timeline.mark(`load started: ${rate} webhook calls/s + ${rate} Hasura-style inserts and deliveries/s for ${loadSeconds} s`);
  await sleep(cutAfterMs - 3_000);
  // A few runs whose external call takes 8 s: w1 is sure to hold some calls in flight at the cut.
  const slowRuns: string[] = [];
  for (let i = 0; i < 6; i++) {
    const response = await fetch(`${apiUrl}/hooks/triggers/${triggerId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-conveyor-trigger-secret': secret },
      body: JSON.stringify({ n: 900_000 + i, slow: true }),
      signal: AbortSignal.timeout(10_000),
    });
    const runId = ((await response.json()) as { runId?: string }).runId;
    if (runId) slowRuns.push(runId);
  }
  timeline.mark(`${slowRuns.length} slow runs started (their external call answers after 8 s)`);
  await sleep(3_000);
  const cut = await cutAndRestore({
    host: w1,
    worker: worker1,
    platform,
    target,
    databaseUrl: endpoints.databaseUrl,
    cutMs,
    timeline,
  });

  // The api's host goes away and comes back: process killed by pid, namespace deleted and created again.
  await sleep(3_000);
  process.kill(platform.api.pid, 'SIGKILL');
  await platform.api.exited;
  timeline.mark(`api killed (SIGKILL pid ${platform.api.pid}) while deliveries go on`);
  deleteHost(apiHost);
  createHost(topology, apiHost);
  timeline.mark('api namespace deleted and created again');
  platform.api = await startApi();
  timeline.mark(`new api ready in the recreated namespace (pid ${platform.api.pid})`);
  const [webhookResult] = await Promise.all([webhookLoad, hasuraLoad.done]);
  timeline.mark(`load done: ${webhookResult.sent} webhook calls, ${hasuraLoad.deliveries.length} Hasura-style runs`);

  const hasuraReplay = await replay(apiUrl, HOOK_SECRET, fixture.tenantId, hasuraLoad.deliveries, 60);
  timeline.mark(
    `Hasura retries replayed: ${hasuraReplay.failedRetried} failed deliveries retried, ${hasuraReplay.replayedDelivered} delivered ones again`,
  );
  const webhookReplay = await replayWebhooks(apiUrl, triggerId, secret, runs);
  timeline.mark(`every webhook call re-sent with its Idempotency-Key (${webhookReplay.length})`);

  const hasuraRunIds = hasuraLoad.deliveries.map((d) => d.runId);
  const replayRunIds = webhookReplay.flatMap((r) => (r.runId ? [r.runId] : []));
  const accepted = [...new Set([...webhookResult.accepted, ...replayRunIds, ...hasuraRunIds, ...slowRuns])];
  const drainMs = await waitForDrain(endpoints.databaseUrl, accepted, 180_000);
  timeline.mark(drainMs === null ? 'NOT drained within 180 s' : `drained: every run terminal`);
  await platform.stop();
  timeline.mark('api and workers stopped gracefully (log writers drained)');

  const statuses: Record<string, number> = { ...webhookResult.statuses };
  for (const d of hasuraLoad.deliveries) {
    const first = `hasura ${d.attempts[0]}`;
    statuses[first] = (statuses[first] ?? 0) + 1;
  }
  const load: LoadResult = {
    ...webhookResult,
    sent: webhookResult.sent + hasuraLoad.deliveries.length + slowRuns.length,
    accepted,
    statuses,
  };
  const card = await runChecks({
    scenario: 'multihost',
    note: '',
    databaseUrl: endpoints.databaseUrl,
    mongoUrl: endpoints.mongoUrl,
    load,
    target,
    drainMs,
    peakWorkerRssMiB: platform.peakWorkerRssMiB,
    workerExits: platform.exits,
    linesPerRun: null,
  });
  const q = async (text: string) => (await sql(endpoints.databaseUrl, text)).rows[0].n as number;
  const duplicates = {
    runsTotal: await q(`SELECT count(*)::int AS n FROM "WorkflowRun"`),
    expectedRuns: runs + hasuraRunIds.length + slowRuns.length,
    idempotencyKeysWithTwoRuns: await q(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM "WorkflowRun" WHERE "idempotencyKey" IS NOT NULL GROUP BY "idempotencyKey" HAVING count(*) > 1) d`,
    ),
    webhookKeysWithRun: await q(
      `SELECT count(DISTINCT "idempotencyKey")::int AS n FROM "WorkflowRun" WHERE "idempotencyKey" IS NOT NULL`,
    ),
    webhookReplayCreated: webhookReplay.filter((r) => r.created).length,
    webhookReplayStatuses: countBy(webhookReplay.map((r) => r.status)),
    hasura: hasuraReplay,
    hasuraFirstDelivery: countBy(hasuraLoad.deliveries.map((d) => `${d.attempts[0]} ${d.outcomes[0]}`)),
    stepRunsPerRunNot3: await q(
      `SELECT count(*)::int AS n FROM "WorkflowRun" r WHERE r.status = 'SUCCEEDED' AND (SELECT count(*) FROM "StepRun" s WHERE s."workflowRunId" = r.id) <> 3`,
    ),
  };
  const cutSteps = await cutStepsOutcome(endpoints.databaseUrl, cut, target, w1.ip);
  const calls = target.counts();
  const external = {
    calls: target.calls.length,
    keys: calls.size,
    keysCalledTwiceOrMore: [...calls.values()].filter((n) => n > 1).length,
    fromW1: target.calls.filter((c) => c.remoteAddress.endsWith(w1.ip)).length,
    fromW2: target.calls.filter((c) => c.remoteAddress.endsWith(w2.ip)).length,
  };
  const invariants: Record<string, boolean> = {
    noRunLost: card.lost === 0,
    noRunNotTerminal: card.notTerminal === 0,
    noStepNotTerminal: card.stepsNotTerminal === 0,
    eachStepSucceededOnce: card.stepsSucceededNot1 === 0,
    noAttemptLoggedSucceededTwice: card.succeededLoggedTwice === 0,
    noStepCompletedTwice: card.stepsLoggedSucceededTwice === 0,
    noDuplicateRunPerKey: duplicates.idempotencyKeysWithTwoRuns === 0,
    runCountAsExpected: duplicates.runsTotal === duplicates.expectedRuns,
    hasuraRetriesAnswered: duplicates.hasura.stillFailing === 0,
    w1StepsFinishedElsewhere: cutSteps.heldByW1 > 0 && cutSteps.succeeded === cutSteps.heldByW1,
  };
  const ok = Object.values(invariants).every(Boolean);
  exitCode = ok ? 0 : 1;
  const result = {
    startedAt,
    commit,
    ok,
    invariants,
    options: { rate, loadSeconds, cutAfterMs, cutMs },
    topology: {
      bridge: `${topology.bridge} ${topology.bridgeIp}/24`,
      hosts: Object.values(topology.hosts).map((h) => ({ name: h.name, netns: h.netns, ip: h.ip, veth: h.vethHost })),
    },
    timeline: timeline.events,
    cut: {
      cutAtMs: cut.cutAt - timeline.t0,
      restoredAtMs: cut.restoredAt - timeline.t0,
      runningAtCut: cut.runningAtCut.length,
      callsFromW1DuringCut: cut.callsFromCutHostDuringCut,
      w1Restarted: cut.w1Restarted,
      w1ReadyAgainMs: cut.w1ReadyAgainMs,
    },
    cutSteps,
    external,
    duplicates,
    card,
  };
  if (!values['no-write']) log(`report written: ${writeReport(result)}`);
  log(
    `failing: ${
      Object.keys(invariants)
        .filter((k) => !invariants[k])
        .join(', ') || 'none'
    }`,
  );
  log(`duplicates: ${JSON.stringify(duplicates)}`);
  log(`ok: ${ok}; lost ${card.lost}, not terminal ${card.notTerminal}, w1 steps ${cutSteps.heldByW1}`);
} catch (error) {
  exitCode = 1;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  clearTimeout(watchdog);
  await cleanupAll();
}
process.exit(exitCode);

function countBy(items: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
