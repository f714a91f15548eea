import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

let t: TestWorkerDeps;
let workers: Worker[];
let server: http.Server;
let url: string;
let hits = 0;
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
  // The operator's ceiling allows loopback; each tenant gets only what its own list holds within it.
  t = await createTestWorkerDeps('tenant-networks', { HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
  await new Promise((resolve) => server.close(resolve));
});

async function callLocalServer(allowPrivateNetworks: string[]) {
  const definition = { steps: [{ key: 'call', action: { app: 'core', version: '1', key: 'http.request' }, input: { url } }] };
  const fixture = await seedWorkflow(t.db.prisma, definition, { allowPrivateNetworks });
  const runId = await insertRun(t.db.prisma, fixture, {});
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  const run = await waitFor(
    () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
    (current) => ['SUCCEEDED', 'FAILED'].includes(current.status),
    15_000,
  );
  return run.stepRuns[0];
}

describe('private networks, per tenant', () => {
  it('lets a tenant whose list allows 127.0.0.1/32 reach a local server, and refuses another tenant on the same worker', async () => {
    const allowed = await callLocalServer(['127.0.0.1/32']);
    expect(allowed).toMatchObject({ status: 'SUCCEEDED', output: { status: 200, body: { ok: true } } });
    expect(hits).toBe(1);

    const refused = await callLocalServer([]);
    expect(refused).toMatchObject({ status: 'FAILED', error: { code: 'FORBIDDEN', details: { kind: 'destination_refused' } } });
    expect(hits).toBe(1);
  });

  it('bounds a tenant’s list by the worker’s ceiling: a wider list reaches only what the ceiling allows', async () => {
    const inside = await callLocalServer(['127.0.0.0/8']);
    expect(inside).toMatchObject({ status: 'SUCCEEDED' });
    const outside = await callLocalServer(['10.0.0.0/8']);
    expect(outside).toMatchObject({ status: 'FAILED', error: { code: 'FORBIDDEN' } });
  });
});
