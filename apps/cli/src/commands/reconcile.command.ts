import { loadCommonConfig } from '@conveyor/config';
import { ConveyorError } from '@conveyor/errors';
import { createProducers, createQueues, createRedisConnection, queueNames, reconcileJob } from '@conveyor/queue';
import { QueueEvents } from 'bullmq';
import { z } from 'zod';
import { type Command, parseCommand, positiveInt } from '../args';
import { createOutput, table } from '../output';
import { withRedis } from '../resources';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * What the worker's pass returns (apps/worker reconciler `Repairs`): a count per kind of repair.
 * Kinds this command does not know yet are printed under their own name.
 */
const repairsSchema = z.record(z.string(), z.number());

const LABELS: Record<string, string> = {
  dispatched: 'PENDING runs dispatched',
  runJobsRestored: 'lost run jobs restored',
  stepJobsRestored: 'lost step jobs restored',
  schedulesSynced: 'schedules synced',
  logLinesExpired: 'expired log lines deleted',
  eventsExpired: 'expired kept events deleted',
  childrenCancelled: 'child runs of finished parents cancelled',
  slotsFreed: 'tenant run slots freed',
};

const spec = {
  positionals: [],
  options: { timeout: { type: 'string' }, json: { type: 'boolean', default: false } },
} as const;

/**
 * `conveyor reconcile`: asks the workers for one reconciler pass — a `reconcile` job on the runs
 * queue, which any worker takes — and prints the repairs it returns.
 */
export const reconcileCommand: Command = {
  name: 'reconcile',
  usage: `Usage: conveyor reconcile [--timeout <ms>] [--json]

Adds a "${reconcileJob.name}" job to the "${queueNames.runs}" queue; a worker takes it, runs one reconciler pass
(re-dispatches PENDING runs nobody dispatched, restores run and step jobs Redis lost, syncs
schedules, expires old log lines) and returns what it repaired.

Options:
  --timeout <ms>   how long to wait for a worker (default: ${DEFAULT_TIMEOUT_MS})
  --json           print the worker's counts: {"dispatched","runJobsRestored","stepJobsRestored",
                   "schedulesSynced","logLinesExpired","slotsFreed"}

Exit codes: 0 the pass ran, 1 no worker answered in time or the pass failed, 2 bad arguments.`,

  async run(argv) {
    const { values } = parseCommand(argv, spec);
    const timeoutMs = positiveInt('--timeout', values.timeout) ?? DEFAULT_TIMEOUT_MS;
    const out = createOutput({ json: values.json });
    const config = loadCommonConfig();
    const prefix = config.redis.queuePrefix;

    const answer = await withRedis(config, async (connection) => {
      const queues = createQueues({ connection, prefix });
      // QueueEvents blocks on Redis: it gets a connection of its own that retries forever.
      const blocking = createRedisConnection(config.redis.url, 'worker');
      const events = new QueueEvents(queueNames.runs, { connection: blocking, prefix });
      try {
        await events.waitUntilReady(); // listening before the job exists, so its completion cannot be missed
        const job = await createProducers({ connection, prefix, queues }).requestReconcile();
        try {
          return await job.waitUntilFinished(events, timeoutMs);
        } catch (error) {
          const state = await job.getState();
          if (state === 'completed' || state === 'failed') {
            throw new ConveyorError({
              code: 'INTERNAL',
              message: `the reconciler pass failed on the worker: ${(error as Error).message}`,
              cause: error,
            });
          }
          if (state === 'active') {
            throw new ConveyorError({
              code: 'DEPENDENCY_UNAVAILABLE',
              message: `a worker took the reconcile job but did not finish within ${timeoutMs} ms (--timeout)`,
            });
          }
          // Nobody took it: withdraw the request, so that a worker started later does not act on a stale one.
          await job.remove().catch(() => undefined);
          throw new ConveyorError({
            code: 'DEPENDENCY_UNAVAILABLE',
            message: `no worker answered within ${timeoutMs} ms (is a worker running with QUEUE_PREFIX "${prefix}"?)`,
          });
        }
      } finally {
        await events.close();
        await queues.close();
        blocking.disconnect();
      }
    });

    const repairs = repairsSchema.safeParse(answer);
    if (!repairs.success) {
      throw new ConveyorError({
        code: 'INTERNAL',
        message: `the worker answered something other than repairs: ${JSON.stringify(answer)}`,
      });
    }
    if (out.json) out.data(repairs.data);
    else {
      const rows = Object.entries(repairs.data).map(([kind, count]) => [LABELS[kind] ?? kind, count]);
      out.text('reconciler pass done', ...table(['repair', 'count'], rows).map((line) => `  ${line}`));
    }
    return 0;
  },
};
