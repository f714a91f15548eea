import { randomUUID } from 'node:crypto';
import { type BatchingWriter, createBatchingWriter, createMongoLogStore, type LogLevel, type LogStore } from '@conveyor/logs';
import { createLogger } from '@conveyor/observability';
import {
  freePort,
  insertRun,
  type ServiceProcess,
  seedWorkflow,
  startService,
  type TenantFixture,
  waitFor,
} from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliEnvironment, createCliEnvironment, ndjson, runCli, startCli } from '../test/test-cli';

// `conveyor logs tail` reads through a real api process (SSE), while the test writes execution
// log lines the way a worker does: through the batching writer into the MongoDB log store.

let cli: CliEnvironment;
let env: Record<string, string>;
let api: ServiceProcess | undefined;
let apiUrl: string;
let store: LogStore;
let writer: BatchingWriter;
let tenant: TenantFixture & { slug: string };

beforeAll(async () => {
  cli = await createCliEnvironment('cli_logs', { mongo: true });
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  env = { ...cli.env, AUTH_JWT_SECRET: 'cli-logs-jwt-secret-0123456789abcdef', LOG_TAIL_POLL_MS: '100' };
  api = await startService('api', { ...env, API_PORT: String(port) }, { readyUrl: `${apiUrl}/readyz`, name: 'cli-logs-api' });
  const log = createLogger({ service: 'cli-logs-test', level: 'silent' });
  store = createMongoLogStore({ url: cli.mongo?.url as string, retentionDays: 14, log });
  await store.init();
  writer = createBatchingWriter({ store, log, flushIntervalMs: 20 });
  const slug = `logs-${cli.redis.prefix.slice(-8)}`;
  tenant = { slug, ...(await seedWorkflow(cli.db.prisma, { steps: [] }, { slug })) };
});

afterAll(async () => {
  await writer?.close();
  await store?.close();
  await api?.stop();
  await cli?.cleanup();
});

async function writeLines(runId: string, lines: { level: LogLevel; message: string; context?: Record<string, unknown> }[]) {
  for (const line of lines) {
    writer.write({ tenantId: tenant.tenantId, workflowRunId: runId, timestamp: new Date(), ...line });
  }
  await writer.flush();
}

const finish = (runId: string, finishedAt = new Date()) =>
  cli.db.prisma.workflowRun.update({ where: { id: runId }, data: { status: 'SUCCEEDED', startedAt: finishedAt, finishedAt } });

describe('conveyor logs tail', () => {
  it('prints the lines already written and those written while it tails, then ends with the run (exit 0)', async () => {
    const runId = await insertRun(cli.db.prisma, tenant);
    await cli.db.prisma.workflowRun.update({ where: { id: runId }, data: { status: 'RUNNING', startedAt: new Date() } });
    await writeLines(runId, [
      { level: 'INFO', message: 'first line' },
      { level: 'WARN', message: 'second line' },
    ]);

    const tail = startCli(['logs', 'tail', runId, '--tenant', tenant.slug, '--api-url', apiUrl, '--json'], env);
    await waitFor(
      async () => tail.stdout(),
      (out) => out.includes('second line'),
      20_000,
      50,
    );
    await writeLines(runId, [{ level: 'ERROR', message: 'third line', context: { attempt: 2 } }]);
    await waitFor(
      async () => tail.stdout(),
      (out) => out.includes('third line'),
      20_000,
      50,
    );
    await finish(runId);
    const { code, stdout, stderr } = await tail.result;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const events = ndjson<{ type: string; message?: string; level?: string; status?: string; context?: unknown }>(stdout);
    expect(events.filter((e) => e.type === 'log').map((e) => [e.level, e.message])).toEqual([
      ['INFO', 'first line'],
      ['WARN', 'second line'],
      ['ERROR', 'third line'],
    ]);
    expect(events.find((e) => e.message === 'third line')?.context).toEqual({ attempt: 2 });
    expect(events.at(-1)).toEqual({ type: 'end', status: 'SUCCEEDED' });
  });

  it('filters by --level and prints lines for people; a finished run’s tail ends at once', async () => {
    const runId = await insertRun(cli.db.prisma, tenant);
    await writeLines(runId, [
      { level: 'DEBUG', message: 'noise' },
      { level: 'INFO', message: 'request sent' },
      { level: 'WARN', message: 'slow answer' },
      { level: 'ERROR', message: 'gave up' },
    ]);
    await finish(runId, new Date(Date.now() - 10_000));

    const { code, stdout, stderr } = await runCli(
      ['logs', 'tail', runId, '--tenant', tenant.slug, '--level', 'warn', '--api-url', apiUrl],
      env,
    );

    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ WARN {2}slow answer$/);
    expect(lines[1]).toMatch(/ ERROR gave up$/);
    expect(stderr).toContain(`run ${runId} SUCCEEDED`);
  });

  it('reads with the api port from the environment when --api-url is not given', async () => {
    const runId = await insertRun(cli.db.prisma, tenant);
    await writeLines(runId, [{ level: 'INFO', message: 'via API_PORT' }]);
    await finish(runId, new Date(Date.now() - 10_000));

    const { code, stdout } = await runCli(['logs', 'tail', runId, '--tenant', tenant.slug], {
      ...env,
      API_PORT: new URL(apiUrl).port,
    });

    expect(code).toBe(0);
    expect(stdout).toContain('via API_PORT');
  });

  it('exits 1 for a run of another tenant, a user who is not a member, or an api that does not answer', async () => {
    const other = await seedWorkflow(cli.db.prisma, { steps: [] });
    const foreignRun = await insertRun(cli.db.prisma, other);
    const foreign = await runCli(['logs', 'tail', foreignRun, '--tenant', tenant.slug, '--api-url', apiUrl], env);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`run ${foreignRun} not found`);

    const unknown = randomUUID();
    const missing = await runCli(['logs', 'tail', unknown, '--tenant', tenant.slug, '--api-url', apiUrl], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`run ${unknown} not found`);

    const stranger = await runCli(
      ['logs', 'tail', foreignRun, '--tenant', tenant.slug, '--user', 'nobody@example.test', '--api-url', apiUrl],
      env,
    );
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('nobody@example.test is not a member');

    const down = await runCli(['logs', 'tail', foreignRun, '--tenant', tenant.slug, '--api-url', 'http://127.0.0.1:1'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('the api at http://127.0.0.1:1 is unreachable');
  });

  it('exits 2 naming a bad --level or --api-url', async () => {
    const runId = randomUUID();
    const level = await runCli(['logs', 'tail', runId, '--level', 'LOUD'], env);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('--level must be one of DEBUG, INFO, WARN, ERROR, got "LOUD"');

    const url = await runCli(['logs', 'tail', runId, '--api-url', 'localhost:3000'], env);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--api-url must be an http(s) URL');
  });
});
