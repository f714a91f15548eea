import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQueues, createRedisConnection, type Queues, type Redis, runJob } from '@conveyor/queue';
import { seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliEnvironment, createCliEnvironment, runCli } from '../test/test-cli';

// `conveyor runs start`, run as a real process against a database and a queue prefix of its own.

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' }, input: {} }] };
let cli: CliEnvironment;
let connection: Redis;
let queues: Queues;
let tenant: TenantFixture & { slug: string };
let dir: string;

beforeAll(async () => {
  cli = await createCliEnvironment('cli_start');
  connection = createRedisConnection(cli.env.REDIS_URL as string, 'producer');
  await connection.connect();
  queues = createQueues({ connection, prefix: cli.redis.prefix });
  const slug = `start-${cli.redis.prefix.slice(-8)}`;
  tenant = { slug, ...(await seedWorkflow(cli.db.prisma, definition, { slug })) };
  await cli.db.prisma.workflow.update({ where: { id: tenant.workflowId }, data: { name: 'orders' } });
  dir = await mkdtemp(path.join(tmpdir(), 'conveyor-cli-'));
});

afterAll(async () => {
  await queues?.close();
  connection?.disconnect();
  await rm(dir, { recursive: true, force: true });
  await cli?.cleanup();
});

const start = (...args: string[]) => runCli(['runs', 'start', ...args, '--tenant', tenant.slug], cli.env);

describe('conveyor runs start', () => {
  it('inserts the run with the input from a file, dispatches it to QUEUED and adds its run job', async () => {
    const file = path.join(dir, 'input.json');
    await writeFile(file, JSON.stringify({ orderId: 42, items: ['a', 'b'] }));

    const { code, stdout, stderr } = await start('orders', '--input', `@${file}`, '--json');

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ status: 'QUEUED', created: true, workflow: 'orders', workflowId: tenant.workflowId });
    const run = await cli.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(run).toMatchObject({ tenantId: tenant.tenantId, status: 'QUEUED', input: { orderId: 42, items: ['a', 'b'] } });
    expect(run.workflowVersionId).toBe(tenant.versionId);
    const job = await queues.runs.getJob(runJob.id(result.runId));
    expect(job?.name).toBe(runJob.name);
    expect(job?.data).toEqual({ tenantId: tenant.tenantId, runId: result.runId });
  });

  it('takes inline JSON and the workflow id, and prints the run id and status for people', async () => {
    const { code, stdout, stderr } = await start(tenant.workflowId, '--input', '{"n": 5}');

    expect(code).toBe(0);
    const [, runId] = /^run (\S+) QUEUED$/m.exec(stdout) ?? [];
    expect(runId).toBeDefined();
    expect(stderr).toContain(`conveyor runs watch ${runId}`);
    const run = await cli.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId as string } });
    expect(run.input).toEqual({ n: 5 });
  });

  it('answers the same run for the same idempotency key, and adds no second job', async () => {
    const first = await start('orders', '--idempotency-key', 'order-7', '--json');
    const second = await start('orders', '--idempotency-key', 'order-7', '--json');

    expect([first.code, second.code]).toEqual([0, 0]);
    const [a, b] = [JSON.parse(first.stdout), JSON.parse(second.stdout)];
    expect(b.runId).toBe(a.runId);
    expect([a.created, b.created]).toEqual([true, false]);
    expect(b.status).toBe('QUEUED');
    expect(await cli.db.prisma.workflowRun.count({ where: { idempotencyKey: 'order-7' } })).toBe(1);
    const jobs = await queues.runs.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.filter((job) => job.id === runJob.id(a.runId))).toHaveLength(1);
  });

  it.each([
    ['text that is not JSON', ['--input', '{"n": '], /--input: the value is not valid JSON/],
    ['a JSON array', ['--input', '[1, 2]'], /--input: the value must be a JSON object/],
    [
      'a file that does not exist',
      ['--input', '@/no/such/input.json'],
      /--input: cannot read file "\/no\/such\/input.json": no such file/,
    ],
    ['an unknown option', ['--inptu', '{}'], /unknown option --inptu/],
    ['no workflow', [], /missing argument <workflow>/],
  ])('exits 2 naming the argument for %s, and inserts nothing', async (_, args, message) => {
    const before = await cli.db.prisma.workflowRun.count();
    const workflowArgs = args.length === 0 ? [] : ['orders'];
    const { code, stdout, stderr } = await runCli(['runs', 'start', ...workflowArgs, ...args], cli.env);

    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('conveyor runs start --help');
    expect(stdout).toBe('');
    expect(await cli.db.prisma.workflowRun.count()).toBe(before);
  });

  it('exits 1 naming an unknown workflow or tenant', async () => {
    const workflow = await start('no-such-workflow', '--json');
    expect(workflow.code).toBe(1);
    expect(workflow.stderr).toContain(`workflow "no-such-workflow" not found in tenant "${tenant.slug}"`);
    expect(workflow.stdout).toBe('');

    const other = await runCli(['runs', 'start', 'orders', '--tenant', 'no-such-tenant'], cli.env);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('tenant "no-such-tenant" not found');
  });

  it('does not see another tenant’s workflow, even by id', async () => {
    const stranger = await seedWorkflow(cli.db.prisma, definition);
    const { code, stderr } = await start(stranger.workflowId);
    expect(code).toBe(1);
    expect(stderr).toContain(`workflow "${stranger.workflowId}" not found`);
    expect(await cli.db.prisma.workflowRun.count({ where: { workflowId: stranger.workflowId } })).toBe(0);
  });

  it('reports a run its inactive workflow failed, with the reason, and exits 1', async () => {
    const inactive = await seedWorkflow(cli.db.prisma, definition, { isActive: false });
    const slug = (await cli.db.prisma.tenant.findUniqueOrThrow({ where: { id: inactive.tenantId } })).slug;

    const { code, stdout } = await runCli(['runs', 'start', 'fixture', '--tenant', slug, '--json'], cli.env);

    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ status: 'FAILED', reason: 'workflow is inactive' });
    expect(await queues.runs.getJob(runJob.id(result.runId))).toBeUndefined();
  });
});
