// `npm run bench:runs-list [-- --runs=<n>] [--requests=<n>]`: the console's run list (`GET /v1/runs`) at
// 10^6 runs in one tenant (issue 16), against the same requests on a tenant of 10^4 runs, in one run on one
// database: p50 / p95 / p99 of each query shape (in process, through the api's own routing, validation,
// authentication and SQL), and the ratio of the big tenant's p95 to the small one's. Writes
// bench/results/<timestamp>-runs-list.json. The database is one of its own (dropped at the end).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { createTestApi, type TestApi } from '../apps/api/test/test-api';
import setupTemplateDatabase from '../packages/testing/src/global-setup';
import { percentile, ratio, round } from './lib/stats';

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const BIG = Number(flag('runs') ?? 1_000_000);
const SMALL = 10_000;
const REQUESTS = Number(flag('requests') ?? 200);
const log = (line: string) => process.stdout.write(`[runs-list ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

/** `count` finished runs of the fixture's workflow (1 % FAILED, one a second), and a second workflow's every tenth. */
async function seedRuns(api: TestApi, fixture: TenantFixture, other: string, count: number): Promise<void> {
  const started = Date.now();
  await api.db.prisma.$executeRawUnsafe(
    `INSERT INTO "WorkflowRun" ("tenantId", "workflowId", "status", "input", "idempotencyKey", "createdAt", "updatedAt", "finishedAt")
     SELECT $1::uuid, CASE WHEN i % 10 = 0 THEN $3::uuid ELSE $2::uuid END,
            (CASE WHEN i % 100 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END)::run_status, '{}'::jsonb, 'key-' || i,
            timestamptz '2026-01-01' + i * interval '1 second', now(), now()
       FROM generate_series(1, $4::int) AS i`,
    fixture.tenantId,
    fixture.workflowId,
    other,
    count,
  );
  log(`${count} runs of tenant ${fixture.tenantId} in ${Date.now() - started} ms`);
}

async function secondWorkflow(api: TestApi, fixture: TenantFixture): Promise<string> {
  const workflow = await api.db.prisma.workflow.create({ data: { tenantId: fixture.tenantId, name: 'second' } });
  return workflow.id;
}

/** The query shapes of the run list: what the console asks. */
function shapes(fixture: TenantFixture, other: string, count: number, middleCursor: string): Record<string, string> {
  const middle = new Date(Date.parse('2026-01-01') + (count / 2) * 1_000);
  return {
    'newest page (50)': '/v1/runs?limit=50',
    'a page half way down (cursor)': `/v1/runs?limit=50&cursor=${middleCursor}`,
    'status=FAILED (1 %)': '/v1/runs?status=FAILED&limit=50',
    'workflowId (10 %)': `/v1/runs?workflowId=${other}&limit=50`,
    'one hour half way down': `/v1/runs?from=${middle.toISOString()}&to=${new Date(middle.getTime() + 3_600_000).toISOString()}&limit=50`,
    'q = idempotency-key prefix': `/v1/runs?q=key-${Math.floor(count / 3)}&limit=50`,
    'status=CANCELLED (matches none: reads every run)': '/v1/runs?status=CANCELLED&limit=50',
    'status=PENDING,QUEUED,RUNNING (none open: from OpenRun)': '/v1/runs?status=PENDING,QUEUED,RUNNING&limit=50',
    [`one workflow, tenant ${fixture.tenantId.slice(0, 8)}`]: `/v1/runs?workflowId=${fixture.workflowId}&limit=50`,
  };
}

/** The request's latencies, ascending, after 10 requests of warm-up (plans cached, pages in memory). */
async function time(api: TestApi, token: string, url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = -10; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    if (i >= 0) times.push(performance.now() - started);
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
  }
  return times.sort((a, b) => a - b);
}

async function cursorHalfway(api: TestApi, fixture: TenantFixture, count: number): Promise<string> {
  const [row] = await api.db.prisma.$queryRawUnsafe<{ createdAt: Date; id: string }[]>(
    `SELECT "createdAt", "id"::text AS "id" FROM "WorkflowRun" WHERE "tenantId" = $1::uuid AND "idempotencyKey" = $2`,
    fixture.tenantId,
    `key-${Math.floor(count / 2)}`,
  );
  return Buffer.from(JSON.stringify([row?.createdAt.toISOString(), row?.id])).toString('base64url');
}

await setupTemplateDatabase();
const api = await createTestApi({ label: 'bench_runs_list' });
try {
  const big = await seedWorkflow(api.db.prisma, definition);
  const small = await seedWorkflow(api.db.prisma, definition);
  const [bigOther, smallOther] = [await secondWorkflow(api, big), await secondWorkflow(api, small)];
  await seedRuns(api, big, bigOther, BIG);
  await seedRuns(api, small, smallOther, SMALL);
  await api.db.prisma.$executeRawUnsafe('VACUUM ANALYZE "WorkflowRun"');
  const results: Record<string, { big: Record<string, number>; small: Record<string, number>; p95Ratio: number }> = {};
  const tokens = { big: await api.tokenFor(big), small: await api.tokenFor(small) };
  const bigShapes = shapes(big, bigOther, BIG, await cursorHalfway(api, big, BIG));
  const smallShapes = Object.values(shapes(small, smallOther, SMALL, await cursorHalfway(api, small, SMALL)));
  for (const [index, [name, url]] of Object.entries(bigShapes).entries()) {
    const stats = (sorted: number[]) => ({
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
    });
    const bigTimes = stats(await time(api, tokens.big, url));
    const smallTimes = stats(await time(api, tokens.small, smallShapes[index] as string));
    results[name] = { big: bigTimes, small: smallTimes, p95Ratio: round(ratio(bigTimes.p95, smallTimes.p95)) };
    log(
      `${name}: ${BIG} runs p50/p95/p99 ${bigTimes.p50}/${bigTimes.p95}/${bigTimes.p99} ms; ${SMALL} runs p95 ${smallTimes.p95} ms; ×${results[name]?.p95Ratio}`,
    );
  }
  const dir = path.join(repoRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-runs-list.json`);
  await writeFile(file, `${JSON.stringify({ runs: { big: BIG, small: SMALL }, requests: REQUESTS, results }, null, 2)}\n`);
  log(`written ${path.relative(repoRoot, file)}`);
} finally {
  await api.close();
}
