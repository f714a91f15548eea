/**
 * Abuse suite: a tenant's http.request steps aim at private, loopback and metadata addresses in every
 * spelling, directly and through a redirect, on a real worker. Every step must fail with
 * `destination_refused` and no request may reach a private address the tenant is not allowed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunWorker } from '../../apps/worker/src/runs/run.worker';
import { createStepWorker } from '../../apps/worker/src/steps/step.worker';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../apps/worker/test/test-worker';

let t: TestWorkerDeps;
let workers: ReturnType<typeof createRunWorker>[];
let loopback: http.Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  // The one private target: a loopback server that records every request and redirects where asked.
  loopback = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    if (to) {
      res.writeHead(302, { location: to });
      return res.end();
    }
    res.end('{"secret":"internal"}');
  });
  await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
  port = (loopback.address() as AddressInfo).port;
  t = await createTestWorkerDeps('abuse-ssrf', { HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
  await new Promise((resolve) => loopback.close(resolve));
});

/** One run whose steps (no dependencies, so all of them run) each call one URL; their StepRuns by key. */
async function callAll(urls: string[], allowPrivateNetworks: string[]) {
  const steps = urls.map((url, i) => ({
    key: `call${i}`,
    action: { app: 'core', version: '1', key: 'http.request' },
    input: { url },
    retry: { maxAttempts: 1 },
  }));
  const fixture = await seedWorkflow(t.db.prisma, { steps }, { allowPrivateNetworks });
  const runId = await insertRun(t.db.prisma, fixture, {});
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  const run = await waitFor(
    () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
    (current) => ['SUCCEEDED', 'FAILED'].includes(current.status),
    30_000,
  );
  return urls.map((url, i) => ({ url, step: run.stepRuns.find((step) => step.stepKey === `call${i}`) }));
}

const spellings = () => [
  `http://127.0.0.1:${port}/direct`,
  `http://localhost:${port}/by-name`,
  `http://2130706433:${port}/decimal`,
  `http://0x7f.1:${port}/hex`,
  `http://0177.0.0.1:${port}/octal`,
  `http://127.1:${port}/short`,
  `http://[::ffff:127.0.0.1]:${port}/mapped`,
  `http://[::ffff:7f00:1]:${port}/mapped-hex`,
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://10.0.0.1/',
  'http://0.0.0.0/',
];

describe('SSRF through http.request', () => {
  it('refuses loopback, private and metadata addresses in every spelling for a tenant with no private network', async () => {
    hits.length = 0;
    const results = await callAll(spellings(), []);
    for (const { url, step } of results) {
      expect(step, url).toMatchObject({ status: 'FAILED', error: { details: { kind: 'destination_refused' } } });
    }
    expect(hits).toEqual([]);
  });

  it('refuses a redirect from an allowed address to a private or metadata one, and reaches nothing past it', async () => {
    hits.length = 0;
    const via = (to: string) => `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(to)}`;
    const targets = [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://2852039166/',
    ];
    const results = await callAll(targets.map(via), ['127.0.0.1/32']);
    for (const { url, step } of results) {
      expect(step, url).toMatchObject({ status: 'FAILED', error: { details: { kind: 'destination_refused' } } });
    }
    expect(hits.every((hit) => hit.startsWith('/redirect'))).toBe(true); // only the allowed first hop was reached
  });
});
