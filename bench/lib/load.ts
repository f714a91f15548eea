import { fork } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { cpuMs } from './processes';

/** Where the load goes: a webhook trigger, or Hasura's event hook for rows the generator inserts first. */
export type LoadTarget = 'webhook' | 'hasura';

/** What the load generator (bench/children/load-generator.ts) is given as argv[2]. */
export interface LoadArgs {
  target: LoadTarget;
  /** The URL every request is POSTed to. */
  url: string;
  headers: Record<string, string>;
  /** Closed loop: this many callers, each sending its next request when the last one is answered. */
  concurrency: number;
  /** Open loop instead: requests started at this rate whatever the answers (at most `concurrency` connections). */
  ratePerSec?: number;
  seconds: number;
  /**
   * Hasura only: the generator inserts the PENDING rows (in batches, just before their events), as an app
   * through Hasura, each batch once `validateUrl` (the api's run-insert validation, which Hasura calls before a
   * member's insert) let it through, and posts `eventTemplate` (a JSON event body) with each row's id in
   * `event.data.new.id`.
   */
  rows?: { databaseUrl: string; tenantId: string; workflowId: string; eventTemplate: string; validateUrl: string };
}

/** The run id of the Hasura event template, replaced by each inserted row's. */
export const RUN_ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000';

export const loadResultSchema = z.object({
  type: z.literal('done'),
  /** The window, epoch ms (the generator's clock, the same host as PostgreSQL). */
  startedAt: z.number(),
  endedAt: z.number(),
  sent: z.number(),
  /** Answers by HTTP status. */
  statuses: z.record(z.string(), z.number()),
  /** 429 answers that carried Retry-After (a refused caller waits that long before its next request). */
  refusedWithRetryAfter: z.number(),
  /** Requests that got no HTTP answer. */
  errors: z.number(),
  errorSamples: z.array(z.string()),
  /** Request latency, ms. */
  latencyMs: z.object({ p50: z.number(), p99: z.number() }),
  /** Hasura only: rows inserted, and the INSERT statements that did it. */
  rowsInserted: z.number(),
  insertStatements: z.number(),
  /** Hasura only: inserts the run-insert validation refused past the tenant's backlog bound (then retried). */
  insertsRefused: z.number(),
});

export type LoadResult = z.infer<typeof loadResultSchema> & { generatorCpuMs: number };

/** Runs the load generator in a process of its own and returns what it counted. */
export async function generateLoad(args: LoadArgs, timeoutMs: number): Promise<LoadResult> {
  const child = fork(path.join(import.meta.dirname, '..', 'children', 'load-generator.ts'), [JSON.stringify(args)], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid ?? -1;
  let cpu = 0;
  const result = new Promise<unknown>((resolve, reject) => {
    child.once('message', (message) => {
      cpu = cpuMs(pid);
      resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code} before it reported`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return { ...loadResultSchema.parse(await result), generatorCpuMs: cpu };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}
