import { randomUUID } from 'node:crypto';
import { queueNames, type Redis, scanKeys } from '@conveyor/queue';
import { Queue, Worker } from 'bullmq';

/**
 * Proves this process still receives jobs: every `intervalMs` it adds a job to a queue only it
 * consumes and notes when the job arrives. A Redis connection that is up but delivers nothing
 * shows as a canary that stopped coming back, and /readyz turns 503.
 */
export function createCanary({ connection, prefix, intervalMs }: { connection: Redis; prefix: string; intervalMs: number }) {
  const name = `${CANARY_PREFIX}${randomUUID()}`;
  const queue = new Queue(name, { connection, prefix });
  let lastDelivered = Date.now();
  const worker = new Worker(
    name,
    async () => {
      lastDelivered = Date.now();
    },
    { connection, prefix, concurrency: 1 },
  );
  // Each send also says "this canary's process is alive" for a while: the reconciler reaps the queues of dead ones.
  const send = () =>
    Promise.all([
      queue.add('canary', {}, { removeOnComplete: true, removeOnFail: true }),
      connection.set(aliveKey(prefix, name), '1', 'PX', intervalMs * ALIVE_INTERVALS),
    ]).catch(() => undefined);
  const timer = setInterval(send, intervalMs);
  timer.unref();
  void send();

  return {
    /** Throws when no canary came back within three intervals. */
    async check(): Promise<void> {
      const silentMs = Date.now() - lastDelivered;
      if (silentMs > intervalMs * 3) throw new Error(`no job delivered to this worker for ${silentMs} ms`);
    },
    async close(): Promise<void> {
      clearInterval(timer);
      await worker.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await connection.del(aliveKey(prefix, name)).catch(() => undefined);
      await queue.close();
    },
  };
}

const CANARY_PREFIX = `${queueNames.runs}-canary-`;
/** A canary not heard of for this many intervals belongs to a process that is gone. */
const ALIVE_INTERVALS = 6;
const aliveKey = (prefix: string, name: string) => `${prefix}:canary-alive:${name}`;

/**
 * Deletes the canary queues of processes that died without closing them (a SIGKILL, a crash):
 * those whose process has not said it is alive for a while. Returns how many it deleted.
 */
export async function reapDeadCanaries(connection: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(connection, `${prefix}:${CANARY_PREFIX}*:meta`);
  const names = new Set(keys.map((key) => key.slice(prefix.length + 1, -':meta'.length)));
  let reaped = 0;
  for (const name of names) {
    if (await connection.exists(aliveKey(prefix, name))) continue;
    const queue = new Queue(name, { connection, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    reaped += 1;
  }
  return reaped;
}
