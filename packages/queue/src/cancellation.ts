import type { Redis } from './connection';

/** The pub/sub channel on which a cancelled run is announced to every worker. */
export const cancellationChannel = (prefix: string) => `${prefix}:cancellations`;

export async function publishCancellation(redis: Redis, prefix: string, runId: string): Promise<void> {
  await redis.publish(cancellationChannel(prefix), runId);
}

/** Calls `onCancel(runId)` for each announced cancellation; uses its own (subscriber) connection. */
export async function subscribeCancellations(
  subscriber: Redis,
  prefix: string,
  onCancel: (runId: string) => void,
): Promise<void> {
  subscriber.on('message', (channel: string, runId: string) => {
    if (channel === cancellationChannel(prefix)) onCancel(runId);
  });
  await subscriber.subscribe(cancellationChannel(prefix));
}
