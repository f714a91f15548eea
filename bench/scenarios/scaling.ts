// Issue 6's scaling check, in two workloads. The reference workflow is CPU-bound: on a 2-core
// machine that also runs PostgreSQL, Redis and the Mongo server, more worker processes cannot add
// CPU. The I/O-bound workflow (one http.request to a local server that answers after a fixed
// delay) is bound by the steps each worker runs at once (WORKER_CONCURRENCY), which is what adding
// worker replicas adds.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchEnvironment } from '../lib/environment';
import { type Batch, type Contenders, runBatch, settle } from '../lib/measure';
import type { Plan } from '../lib/plan';
import type { Report } from '../lib/report';
import type { Throughput } from './throughput';

/** How long the local server takes to answer each step's request. */
export const IO_DELAY_MS = 250;

/** A local HTTP server that answers every request after IO_DELAY_MS. */
export async function startSlowServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    setTimeout(() => response.end('{"ok":true}'), IO_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slow`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function ioBoundWorkflow(url: string) {
  return {
    steps: [
      { key: 'call', action: { app: 'core', version: '1', key: 'http.request' }, input: { url: `${url}?n={{ input.n }}` } },
    ],
  };
}

/** Runs/s of the I/O-bound workflow with the workers `c` has now. */
export async function measureIoBound(env: BenchEnvironment, plan: Plan, c: Contenders, url: string): Promise<Batch> {
  const batch = await runBatch(env, c.conveyor, ioBoundWorkflow(url), plan.ioBoundRuns, { timeoutMs: 300_000 });
  await settle();
  return batch;
}

export function reportScaling(report: Report, cpu: { one: Throughput; many: Throughput }, io: { one: Batch; many: Batch }): void {
  const processes = cpu.many.processes;
  report.detail('scaling', { ioDelayMs: IO_DELAY_MS, ioBound: io });
  const rows = [
    {
      what: 'reference workflow (CPU-bound)',
      many: cpu.many.conveyor.runsPerSec,
      one: cpu.one.conveyor.runsPerSec,
    },
    { what: `one http.request answered after ${IO_DELAY_MS} ms (I/O-bound)`, many: io.many.runsPerSec, one: io.one.runsPerSec },
  ];
  for (const row of rows) {
    report.add({
      scenario: '1 scaling',
      metric: `${row.what}, ${processes} workers against 1 worker`,
      unit: 'runs/s',
      value: row.many,
      baseline: { name: 'Conveyor, 1 worker', value: row.one },
      better: 'higher',
      target: { text: 'not lower than with 1 worker', met: row.many >= row.one },
    });
  }
}
