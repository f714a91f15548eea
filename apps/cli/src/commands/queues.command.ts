import { loadCommonConfig } from '@conveyor/config';
import { allQueueNames, snapshotQueue } from '@conveyor/queue';
import { Queue } from 'bullmq';
import { type Command, parseCommand } from '../args';
import { createOutput, formatDuration, table } from '../output';
import { withRedis } from '../resources';

const spec = { positionals: [], options: { json: { type: 'boolean', default: false } } } as const;

/** `conveyor queues`: job counts per queue and state, and how long the oldest waiting job has waited. */
export const queuesCommand: Command = {
  name: 'queues',
  usage: `Usage: conveyor queues [--json]

For every Conveyor queue (${allQueueNames.join(', ')}) under QUEUE_PREFIX: the number of jobs waiting,
prioritized, active, delayed, failed and completed, and the age of the oldest waiting job.

Options:
  --json   print {"prefix", "queues": [{"queue", "counts": {…}, "oldestWaitingSeconds"}]}

Exit codes: 0 ok, 1 Redis could not be read, 2 bad arguments.`,

  async run(argv) {
    const { values } = parseCommand(argv, spec);
    const out = createOutput({ json: values.json });
    const config = loadCommonConfig();
    const prefix = config.redis.queuePrefix;

    const snapshots = await withRedis(config, async (connection) => {
      const queues = allQueueNames.map((name) => new Queue(name, { connection, prefix }));
      try {
        return await Promise.all(queues.map((queue) => snapshotQueue(queue)));
      } finally {
        await Promise.all(queues.map((queue) => queue.close()));
      }
    });

    if (out.json) {
      out.data({ prefix, queues: snapshots });
      return 0;
    }
    const count = (counts: Record<string, number>, state: string) => counts[state] ?? 0;
    out.text(
      ...table(
        ['queue', 'waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed', 'oldest waiting'],
        snapshots.map(({ queue, counts, oldestWaitingSeconds }) => [
          queue,
          count(counts, 'waiting'),
          count(counts, 'prioritized'),
          count(counts, 'active'),
          count(counts, 'delayed'),
          count(counts, 'failed'),
          count(counts, 'completed'),
          oldestWaitingSeconds > 0 ? formatDuration(oldestWaitingSeconds * 1_000) : '-',
        ]),
      ),
    );
    out.note(`prefix "${prefix}"`);
    return 0;
  },
};
