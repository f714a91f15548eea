import { type AttemptRef, recordStepItems, type StepItemOutcome } from '@conveyor/db';
import type { WorkerDeps } from '../deps/worker-deps';

/** Items per statement, and the outputs' bytes (roughly) per statement. */
const BATCH_ITEMS = 200;
const BATCH_BYTES = 512 * 1024;
/** The longest an ended item waits for its statement. */
const FLUSH_INTERVAL_MS = 100;

/**
 * PostgreSQL failed a write the platform makes inside an attempt (a batch of items, a child run): the
 * attempt stops, and the job handles it as the outage it is, not as the step's failure.
 */
export class PlatformWriteFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('a write of the platform failed inside the attempt');
  }
}

/**
 * Records a forEach step's ended items in batches (one statement per BATCH_ITEMS items, or per
 * FLUSH_INTERVAL_MS), one statement at a time, in the order they ended. `close` writes what is left and
 * throws PlatformWriteFailed if any statement failed.
 */
export function createItemWriter(deps: Pick<WorkerDeps, 'pool'>, ref: AttemptRef) {
  let pending: StepItemOutcome[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;
  const flush = () => {
    if (pending.length === 0) return writing;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    writing = writing.then(() =>
      failure === undefined
        ? recordStepItems(deps.pool, ref, batch).catch((error: unknown) => {
            failure = error;
          })
        : undefined,
    );
    return writing;
  };
  const timer = setInterval(() => void flush(), FLUSH_INTERVAL_MS);
  timer.unref();
  return {
    add(item: StepItemOutcome): void {
      pending.push(item);
      pendingBytes += item.status === 'SUCCEEDED' ? JSON.stringify(item.output ?? null).length : 200;
      if (pending.length >= BATCH_ITEMS || pendingBytes >= BATCH_BYTES) void flush();
    },
    /** Whether a statement failed: the map stops starting items. */
    failed: () => failure !== undefined,
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
      if (failure !== undefined) throw new PlatformWriteFailed(failure);
    },
  };
}
