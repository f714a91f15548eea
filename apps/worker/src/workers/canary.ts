import { randomUUID } from 'node:crypto';
import { queueNames, type Redis } from '@conveyor/queue';
import { Queue, Worker } from 'bullmq';

/**
 * Proves this process still receives jobs: every `intervalMs` it adds a job to a queue only it
 * consumes and notes when the job arrives. A Redis connection that is up but delivers nothing
 * shows as a canary that stopped coming back, and /readyz turns 503.
 */
export function createCanary({ connection, prefix, intervalMs }: { connection: Redis; prefix: string; intervalMs: number }) {
  const name = `${queueNames.runs}-canary-${randomUUID()}`;
  const queue = new Queue(name, { connection, prefix });
  let lastDelivered = Date.now();
  const worker = new Worker(
    name,
    async () => {
      lastDelivered = Date.now();
    },
    { connection, prefix, concurrency: 1 },
  );
  const send = () => queue.add('canary', {}, { removeOnComplete: true, removeOnFail: true }).catch(() => undefined);
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
      await queue.close();
    },
  };
}
