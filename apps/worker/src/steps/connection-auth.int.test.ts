import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOG_COLLECTION } from '@conveyor/logs';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, storeConnection, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

const TOKEN = 'tok_live_9f8e7d6c5b4a';
let t: TestWorkerDeps;
let workers: Worker[];
let server: http.Server;
let url: string;
const received: (string | undefined)[] = [];
beforeAll(async () => {
  // A server that echoes what it was sent: the worst case for a credential.
  server = http.createServer((req, res) => {
    received.push(req.headers.authorization);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ youSent: req.headers.authorization, note: `token ${TOKEN} accepted` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/me`;
  t = await createTestWorkerDeps('connection-auth', { HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('http.request authenticated by a stored connection', () => {
  it('sends the credential, and keeps it out of the output, the logs and the job', async () => {
    const step = (connectionId: string) => ({
      key: 'call',
      action: { app: 'core', version: '1', key: 'http.request' },
      input: { url, headers: { 'x-trace': '{{ input.trace }}' } },
      connectionId,
    });
    const fixture = await seedWorkflow(
      t.db.prisma,
      { steps: [step('00000000-0000-4000-8000-000000000000')] },
      {
        allowPrivateNetworks: ['127.0.0.1/32'],
      },
    );
    const connectionId = await storeConnection(t, fixture.tenantId, { type: 'bearer', token: TOKEN });
    await t.db.prisma.workflowVersion.update({
      where: { id: fixture.versionId },
      data: { definition: { steps: [step(connectionId)] } },
    });
    const runId = await insertRun(t.db.prisma, fixture, { trace: 'abc' });
    await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
    const run = await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
      (current) => ['SUCCEEDED', 'FAILED'].includes(current.status),
      15_000,
    );
    expect(received).toEqual([`Bearer ${TOKEN}`]);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.stepRuns[0]?.output).toMatchObject({
      status: 200,
      body: { youSent: '[REDACTED]', note: 'token [REDACTED] accepted' },
    });
    expect(JSON.stringify(run)).not.toContain(TOKEN);
    await t.deps.logWriter.flush();
    const lines = await t.mongo.db.collection(LOG_COLLECTION).find({ workflowRunId: runId }).toArray();
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    const jobs = await t.deps.queues.steps.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    const runJobs = await t.deps.queues.runs.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(JSON.stringify([...jobs, ...runJobs].map((job) => job.asJSON()))).not.toContain(TOKEN);
  });
});
