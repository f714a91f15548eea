import { spawn, spawnSync } from 'node:child_process';
import { dispatchRun } from '@conveyor/db';
import { insertRun, repoRoot, seedWorkflow, type TenantFixture, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliEnvironment, createCliEnvironment, MAIN, ndjson, runCli, startCli } from '../test/test-cli';

// `conveyor runs watch` as a real process, while the test moves the run and its steps along with
// the same guarded-looking updates a worker makes (plain Prisma updates here: no worker runs).

const action = { app: 'core', version: '1', key: 'noop' };
const definition = {
  steps: [
    { key: 'fetch', action, input: {} },
    { key: 'store', action, input: {}, dependsOn: ['fetch'] },
  ],
};

interface Snapshot {
  runId: string;
  status: string;
  progress: { done: number; total: number };
  steps: { key: string; status: string | null; attempt: number; durationMs: number | null; startedAfterMs: number | null }[];
}

let cli: CliEnvironment;
let tenant: TenantFixture & { slug: string };

beforeAll(async () => {
  cli = await createCliEnvironment('cli_watch');
  const slug = `watch-${cli.redis.prefix.slice(-8)}`;
  tenant = { slug, ...(await seedWorkflow(cli.db.prisma, definition, { slug })) };
});

afterAll(async () => {
  await cli?.cleanup();
});

async function queuedRun(): Promise<string> {
  const runId = await insertRun(cli.db.prisma, tenant, { n: 1 });
  expect((await dispatchRun(cli.db.pool, { tenantId: tenant.tenantId, runId })).kind).toBe('queued');
  return runId;
}

/** Waits until the watcher printed at least `lines` lines, so each change below is seen on its own. */
const printed = (stdout: () => string, lines: number) =>
  waitFor(
    async () => stdout().split('\n').filter(Boolean).length,
    (count) => count >= lines,
    15_000,
    25,
  );

async function step(runId: string, stepKey: string, data: Record<string, unknown>) {
  const existing = await cli.db.prisma.stepRun.findFirst({ where: { workflowRunId: runId, stepKey } });
  if (existing) await cli.db.prisma.stepRun.update({ where: { id: existing.id }, data });
  else await cli.db.prisma.stepRun.create({ data: { tenantId: tenant.tenantId, workflowRunId: runId, stepKey, ...data } });
}

const run = (runId: string, data: Record<string, unknown>) => cli.db.prisma.workflowRun.update({ where: { id: runId }, data });

describe('conveyor runs watch', () => {
  it('prints one NDJSON snapshot per change, ending with SUCCEEDED, and exits 0', async () => {
    const runId = await queuedRun();
    const watch = startCli(['runs', 'watch', runId, '--tenant', tenant.slug, '--json', '--interval', '50'], cli.env);

    await printed(watch.stdout, 1);
    const changes: (() => Promise<unknown>)[] = [
      () => run(runId, { status: 'RUNNING', startedAt: new Date() }),
      () => step(runId, 'fetch', { status: 'RUNNING', attempt: 1, startedAt: new Date() }),
      () => step(runId, 'fetch', { status: 'SUCCEEDED', finishedAt: new Date(Date.now() + 120) }),
      () => step(runId, 'store', { status: 'RUNNING', attempt: 1, startedAt: new Date() }),
      () => step(runId, 'store', { status: 'SUCCEEDED', finishedAt: new Date(Date.now() + 30) }),
      () => run(runId, { status: 'SUCCEEDED', finishedAt: new Date() }),
    ];
    for (const [index, change] of changes.entries()) {
      await change();
      if (index < changes.length - 1) await printed(watch.stdout, index + 2);
    }
    const { code, stdout, stderr } = await watch.result;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const snapshots = ndjson<Snapshot>(stdout);
    expect(snapshots).toHaveLength(changes.length + 1);
    expect(snapshots.map((snapshot) => snapshot.status)).toEqual([
      'QUEUED',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(snapshots.map((snapshot) => snapshot.progress.done)).toEqual([0, 0, 0, 1, 1, 2, 2]);
    expect(snapshots.every((snapshot) => snapshot.progress.total === 2 && snapshot.runId === runId)).toBe(true);
    // Before the worker planned anything, the definition's steps are listed without a status.
    expect(snapshots[0]?.steps.map((s) => [s.key, s.status])).toEqual([
      ['fetch', null],
      ['store', null],
    ]);
    const last = snapshots.at(-1);
    expect(last?.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([
      ['fetch', 'SUCCEEDED', 1],
      ['store', 'SUCCEEDED', 1],
    ]);
    expect(last?.steps[0]?.durationMs).toBeGreaterThanOrEqual(120);
    expect(last?.steps[0]?.startedAfterMs).toBeGreaterThanOrEqual(0);
  });

  it('prints NDJSON when stdout is not a terminal, ends with FAILED and exits 1', async () => {
    const runId = await queuedRun();
    const watch = startCli(['runs', 'watch', runId, '--tenant', tenant.slug, '--interval', '50'], cli.env);

    await printed(watch.stdout, 1);
    await run(runId, { status: 'RUNNING', startedAt: new Date() });
    await step(runId, 'fetch', { status: 'RUNNING', attempt: 3, startedAt: new Date() });
    await printed(watch.stdout, 2);
    await step(runId, 'fetch', { status: 'FAILED', finishedAt: new Date() });
    await step(runId, 'store', { status: 'SKIPPED', finishedAt: new Date() });
    await run(runId, { status: 'FAILED', finishedAt: new Date(), error: { code: 'STEP_FAILED', message: 'fetch failed' } });
    const { code, stdout } = await watch.result;

    expect(code).toBe(1);
    const last = ndjson<Snapshot & { error: unknown }>(stdout).at(-1);
    expect(last).toMatchObject({ status: 'FAILED', progress: { done: 2, total: 2 }, error: { code: 'STEP_FAILED' } });
    expect(last?.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([
      ['fetch', 'FAILED', 3],
      ['store', 'SKIPPED', 0],
    ]);
  });

  it('does not show another tenant’s run: exit 1, not found', async () => {
    const runId = await queuedRun();
    const other = await seedWorkflow(cli.db.prisma, definition);
    const otherSlug = (await cli.db.prisma.tenant.findUniqueOrThrow({ where: { id: other.tenantId } })).slug;

    const { code, stdout, stderr } = await runCli(['runs', 'watch', runId, '--tenant', otherSlug, '--json'], cli.env);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`run ${runId} not found in tenant "${otherSlug}"`);
  });

  it('exits 2 for a run id that is not a UUID or a bad --interval', async () => {
    const badId = await runCli(['runs', 'watch', 'run-123'], cli.env);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('<runId> must be a UUID');

    const badInterval = await runCli(['runs', 'watch', tenant.tenantId, '--interval', 'soon'], cli.env);
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toContain('--interval must be a positive integer');
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('draws a progress bar and a line per step on a terminal', async () => {
    const runId = await queuedRun();
    await run(runId, { status: 'RUNNING', startedAt: new Date() });
    await step(runId, 'fetch', {
      status: 'SUCCEEDED',
      attempt: 1,
      startedAt: new Date(),
      finishedAt: new Date(Date.now() + 250),
    });
    await step(runId, 'store', { status: 'RUNNING', attempt: 2, startedAt: new Date() });
    const command = [
      process.execPath,
      '--import',
      'tsx',
      MAIN,
      'runs',
      'watch',
      runId,
      '--tenant',
      tenant.slug,
      '--interval',
      '100',
    ]
      .map((word) => `'${word}'`)
      .join(' ');
    // `script` gives the command a pseudo-terminal, as an operator's shell would.
    const terminal = spawn('script', ['-qec', `stty cols 120 rows 40; ${command}`, '/dev/null'], {
      cwd: repoRoot,
      env: { ...cli.env, NODE_ENV: 'test', PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    terminal.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    const closed = new Promise<number | null>((resolve) => terminal.once('close', resolve));
    await waitFor(
      async () => output,
      (text) => text.includes('1/2'),
      20_000,
      25,
    );
    await step(runId, 'store', { status: 'SUCCEEDED', finishedAt: new Date() });
    await run(runId, { status: 'SUCCEEDED', finishedAt: new Date() });
    const code = await closed;

    expect(code).toBe(0);
    expect(output).toContain('[██████████████████████████████] 2/2');
    expect(output).toContain('[███████████████░░░░░░░░░░░░░░░] 1/2');
    expect(output).toContain('\x1b[0J'); // redrawn in place
    expect(output).toMatch(/✔ fetch\s+SUCCEEDED\s+\+\d+ ms → \+\d+ ms\s+2\d\d ms\s+attempt 1/);
    expect(output).toMatch(/▶ store\s+RUNNING\s+\+\d+ ms → …/);
    expect(output).toMatch(new RegExp(`run ${runId} SUCCEEDED in `));
  });
});
