import type { Logger } from '@conveyor/observability';

export interface ShutdownParts {
  log: Pick<Logger, 'info' | 'warn'>;
  graceMs: number;
  /** What takes jobs: the queue Workers and the canary. Closing one waits for its active jobs. */
  consumers: { close(): Promise<void> }[];
  /** The reconciler: a pass in progress finishes while the consumers drain, never before they stop taking jobs. */
  reconciler: { stop(): Promise<void> };
  /** Drains the log writer, then closes the connections. */
  composed: { close(): Promise<void> };
  health: { close(): void };
  exit: (code: number) => void;
}

/**
 * The worker's graceful stop: it stops taking jobs at once and lets active steps finish, while any
 * reconciler pass ends; then every buffered log line is written and the connections close. Past
 * `graceMs` it exits with 1, and BullMQ hands the unfinished jobs to another worker as stalled.
 */
export function createShutdown(parts: ShutdownParts): (signal: string) => Promise<void> {
  let stopping = false;
  return async (signal) => {
    if (stopping) return;
    stopping = true;
    parts.log.info({ signal, graceMs: parts.graceMs }, 'shutting down: no new jobs, letting active steps finish');
    const grace = setTimeout(() => {
      parts.log.warn('grace period over: exiting with steps still active; their jobs will be retried as stalled');
      parts.exit(1);
    }, parts.graceMs);
    await Promise.all([...parts.consumers.map((consumer) => consumer.close()), parts.reconciler.stop()]);
    await parts.composed.close();
    clearTimeout(grace);
    parts.health.close();
    parts.log.info('worker stopped');
    parts.exit(0);
  };
}
