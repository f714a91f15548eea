// One chaos session: the suite's own services, then each scenario on a fresh database (cloned from a migrated
// template), a fresh log database, a fresh queue prefix and a fresh platform (api + 2 workers).
import { applyMigrations, createDatabase } from '@conveyor/db';
import { migrationsDir, seedWebhookTrigger, seedWorkflow } from '@conveyor/testing';
import { runChecks, type Scorecard, waitForDrain } from './checks';
import { chaosWorkflow, driveLoad, type LoadResult, startTarget, type Target } from './load';
import { type Endpoints, Platform } from './platform';
import { type FerretDB, type Postgres, type Redis, sql, startFerretDB, startPostgres, startRedis } from './services';

export interface Services {
  postgres: Postgres;
  redis: Redis;
  ferret: FerretDB;
}

export interface SuiteOptions {
  runs: number;
  drainTimeoutMs: number;
  log: (line: string) => void;
}

/** What a scenario's fault step gets: the running platform, the services, the target, the load in progress. */
export interface ScenarioContext {
  services: Services;
  platform: Platform;
  target: Target;
  endpoints: Endpoints;
  options: SuiteOptions;
  /** True once the load has sent every run. */
  loadDone(): boolean;
  /** Starts one more run (outside the load), e.g. a slow marked one. */
  fireRun(input: object): Promise<string | undefined>;
  note(text: string): void;
  details: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  description: string;
  /** Runs per second of the load; chosen so the load spans the fault. */
  perSecond: (runs: number) => number;
  /** Prepares what the scenario needs before the platform starts (e.g. a network namespace). */
  prepare?(
    services: Services,
  ): Promise<{ endpoints?: Partial<Endpoints>; targetHosts?: string[]; targetHost?: string } | undefined>;
  fault(ctx: ScenarioContext): Promise<void>;
}

const TEMPLATE = 'chaos_template';

export async function startServices(log: (line: string) => void): Promise<Services> {
  const postgres = await startPostgres();
  log(`postgres on :${postgres.port}`);
  const redis = await startRedis();
  log(`redis on :${redis.port}`);
  const ferret = await startFerretDB(postgres);
  log(`ferretdb on :${ferret.port}`);
  await sql(postgres.url('postgres'), `CREATE DATABASE ${TEMPLATE}`);
  await applyMigrations({ databaseUrl: postgres.url(TEMPLATE), migrationsDir });
  log('template database migrated');
  return { postgres, redis, ferret };
}

export async function runScenario(
  services: Services,
  scenario: Scenario,
  options: SuiteOptions,
  linesPerRun: number | null,
): Promise<Scorecard> {
  const { log } = options;
  const slug = scenario.name.replaceAll('-', '_');
  const database = `chaos_${slug}_${Date.now().toString(36)}`;
  await sql(services.postgres.url('postgres'), `CREATE DATABASE ${database} TEMPLATE ${TEMPLATE}`);
  const prepared = (await scenario.prepare?.(services)) ?? {};
  const target = await startTarget({ host: prepared.targetHost ?? '127.0.0.1', extraHosts: prepared.targetHosts ?? [] });
  const endpoints: Endpoints = {
    databaseUrl: services.postgres.url(database),
    redisUrl: services.redis.url,
    mongoUrl: services.ferret.url(database),
    queuePrefix: `chaos-${slug}`,
    allowPrivate: '127.0.0.1/32',
    ...prepared.endpoints,
  };
  const db = createDatabase({ url: endpoints.databaseUrl, poolSize: 2 });
  const fixture = await seedWorkflow(db.prisma, chaosWorkflow(target.url), {
    slug: `chaos-${slug}`,
    // the tenant may reach what the operator allows (the worker's ceiling)
    allowPrivateNetworks: endpoints.allowPrivate.split(','),
  });
  const { triggerId, secret } = await seedWebhookTrigger(db.prisma, fixture);
  await db.close();
  const platform = new Platform(endpoints);
  const details: Record<string, unknown> = {};
  const notes: string[] = [];
  try {
    await platform.start();
    log(`${scenario.name}: platform up (api :${platform.api.port}, ${platform.workers.length} workers)`);
    let loadDone = false;
    const perSecond = scenario.perSecond(options.runs);
    const load: Promise<LoadResult> = driveLoad({
      apiUrl: platform.apiUrl,
      triggerId,
      secret,
      runs: options.runs,
      perSecond,
    }).finally(() => {
      loadDone = true;
    });
    const extraRuns: string[] = [];
    const ctx: ScenarioContext = {
      services,
      platform,
      target,
      endpoints,
      options,
      loadDone: () => loadDone,
      async fireRun(input) {
        const response = await fetch(`${platform.apiUrl}/hooks/triggers/${triggerId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-conveyor-trigger-secret': secret },
          body: JSON.stringify(input),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await response.json().catch(() => ({}))) as { runId?: string };
        if (body.runId) extraRuns.push(body.runId);
        return body.runId;
      },
      note: (text) => notes.push(text),
      details,
    };
    const faultStarted = Date.now();
    await scenario.fault(ctx);
    details.faultMs = Date.now() - faultStarted;
    const result = await load;
    result.accepted.push(...extraRuns);
    result.sent += extraRuns.length;
    log(`${scenario.name}: load done (${result.accepted.length}/${result.sent} accepted), waiting for drain`);
    const drainMs = await waitForDrain(endpoints.databaseUrl, result.accepted, options.drainTimeoutMs);
    // A graceful stop drains every worker's log writer: a line missing after it is lost, not late.
    await platform.stop();
    details.workerStartFailures = platform.startFailures;
    const card = await runChecks({
      scenario: scenario.name,
      note: notes.join(' '),
      databaseUrl: endpoints.databaseUrl,
      mongoUrl: endpoints.mongoUrl,
      load: result,
      target,
      drainMs,
      peakWorkerRssMiB: platform.peakWorkerRssMiB,
      workerExits: platform.exits,
      linesPerRun,
      details,
    });
    log(
      `${scenario.name}: lost ${card.lost}, not terminal ${card.notTerminal}, failed ${card.failed}, dup calls ${card.duplicateCalls}`,
    );
    return card;
  } finally {
    await platform.stop();
    await target.close();
  }
}
