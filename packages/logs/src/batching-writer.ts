import type { Logger } from '@conveyor/observability';
import { ObjectId } from 'mongodb';
import type { Registry } from 'prom-client';
import type { LogDocument, LogLine } from './log-line';
import { type LogStore, RejectedLogDocumentsError } from './log-store';
import { createLogWriterMetrics } from './log-writer.metrics';
import { sanitizeWithSize } from './sanitize-line';

/**
 * Buffers execution log lines in memory and writes them to the log store in unordered batches, so a
 * step never waits for MongoDB and MongoDB never sees one round trip per line.
 *
 * - `write()` is synchronous: it sanitizes the line (size budgets, secret keys), gives it its `_id`
 *   right away — a retried batch can never insert a line twice, and ObjectIds of one process increase,
 *   so lines with equal timestamps keep their order — and appends it to the buffer.
 * - A flush starts when `batchSize` lines are buffered or the oldest line is `flushIntervalMs` old; one
 *   flush runs at a time, in batches of at most `batchSize`, oldest first. A failed batch stays at the
 *   front of the buffer and is retried with exponential backoff (`retryInitialMs` → `retryMaxMs`).
 * - Memory is bounded: past `softLimitLines` (or a quarter of `maxBufferedBytes`) `waitForCapacity()`
 *   holds producers back; past `hardLimitLines` or `maxBufferedBytes` a line is dropped, counted, and
 *   reported in one WARN line per burst (at most one per second, with the count since the last one).
 * - `close()` drains the buffer, retrying while the store is down, for up to `drainTimeoutMs`.
 */
export function createBatchingWriter(opts: BatchingWriterOptions): BatchingWriter {
  const { store, log } = opts;
  const now = opts.now ?? Date.now;
  const batchSize = positive(opts.batchSize, 500);
  const flushIntervalMs = positive(opts.flushIntervalMs, 200);
  const hardLimitLines = positive(opts.hardLimitLines, 100_000);
  const softLimitLines = Math.min(positive(opts.softLimitLines, 20_000), hardLimitLines);
  const maxBufferedBytes = positive(opts.maxBufferedBytes, 64 * 1024 * 1024);
  const softLimitBytes = Math.floor(maxBufferedBytes / 4);
  const retryInitialMs = positive(opts.retryInitialMs, 100);
  const retryMaxMs = Math.max(retryInitialMs, positive(opts.retryMaxMs, 5_000));
  const drainTimeoutMs = positive(opts.drainTimeoutMs, 30_000);

  // The buffer: entries [head, queue.length) are waiting, oldest first.
  let queue: Entry[] = [];
  let head = 0;
  let bufferedBytes = 0;
  /** Lines ever accepted, and lines that left the buffer (written or dropped): flush() waits on these. */
  let accepted = 0;
  let settled = 0;
  /** Flush regardless of size and age until `settled` reaches this (timer, flush(), backpressure). */
  let urgentUntil = 0;
  let written = 0;
  let dropped = 0;
  let failedFlushes = 0;

  let pumping: Promise<void> | null = null;
  let kickScheduled = false;
  let ageTimer: NodeJS.Timeout | null = null;
  let wakeBackoff: (() => void) | null = null;
  let closing = false;
  let abandoned = false;
  let closed: Promise<void> | null = null;
  const flushWaiters: { target: number; resolve: () => void }[] = [];
  let capacityWaiters: (() => void)[] = [];

  let dropsUnreported = 0;
  const dropReasons = new Map<string, number>();
  let lastDropReportAt = Number.NEGATIVE_INFINITY;
  let dropTimer: NodeJS.Timeout | null = null;
  let lastFailureLogAt = Number.NEGATIVE_INFINITY;

  const buffered = () => queue.length - head;
  const metrics = createLogWriterMetrics(opts.metrics, () => ({ lines: buffered(), bytes: bufferedBytes }));
  const belowSoftLimit = () => buffered() < softLimitLines && bufferedBytes < softLimitBytes;

  const needsFlush = () => {
    if (abandoned || buffered() === 0) return false;
    if (closing || settled < urgentUntil || capacityWaiters.length > 0 || buffered() >= batchSize) return true;
    const oldest = queue[head];
    return oldest !== undefined && now() - oldest.at >= flushIntervalMs;
  };

  const kick = () => {
    if (pumping || abandoned) return;
    if (ageTimer) {
      clearTimeout(ageTimer);
      ageTimer = null;
    }
    pumping = pump()
      .catch((error: unknown) => log.error({ error }, 'execution log writer failed unexpectedly'))
      .finally(() => {
        pumping = null;
        if (needsFlush()) kick();
        else armAgeTimer();
      });
  };

  /** Starts a flush after the current synchronous work, so `write()` itself stays cheap. */
  const scheduleKick = () => {
    if (kickScheduled || pumping) return;
    kickScheduled = true;
    queueMicrotask(() => {
      kickScheduled = false;
      kick();
    });
  };

  const armAgeTimer = () => {
    if (ageTimer || pumping || kickScheduled || abandoned) return;
    const oldest = queue[head];
    if (!oldest) return;
    ageTimer = setTimeout(
      () => {
        ageTimer = null;
        urgentUntil = Math.max(urgentUntil, accepted);
        kick();
      },
      Math.max(0, flushIntervalMs - (now() - oldest.at)),
    );
    ageTimer.unref();
  };

  async function pump(): Promise<void> {
    let attempt = 0;
    while (needsFlush()) {
      const count = Math.min(batchSize, buffered());
      const batch = queue.slice(head, head + count);
      const started = performance.now();
      let rejected: number[] = [];
      try {
        await store.insertMany(batch.map((entry) => entry.doc));
        metrics.flushDuration((performance.now() - started) / 1000);
      } catch (error) {
        metrics.flushDuration((performance.now() - started) / 1000);
        if (abandoned) return;
        if (error instanceof RejectedLogDocumentsError) {
          rejected = error.rejected.map((r) => r.index).filter((index) => index >= 0 && index < count);
          log.warn(
            { rejected: error.rejected.slice(0, 5), rejectedCount: rejected.length, batch: count },
            'the log store rejected execution log lines as invalid; they are dropped, the rest of the batch is written',
          );
        } else {
          attempt++;
          failedFlushes++;
          metrics.flushFailed();
          const delay = backoffMs(attempt);
          reportFailure(error, attempt, delay);
          await sleep(closing ? Math.min(delay, 1_000) : delay);
          continue;
        }
      }
      if (abandoned) return;
      if (attempt > 0) log.info({ attempts: attempt + 1, buffered: buffered() }, 'execution log lines are being written again');
      attempt = 0;
      settleFront(count, rejected.length);
    }
  }

  /** The first `count` buffered lines left the buffer: written, except `rejectedCount` of them. */
  function settleFront(count: number, rejectedCount: number) {
    for (let i = head; i < head + count; i++) bufferedBytes -= queue[i]?.bytes ?? 0;
    head += count;
    settled += count;
    if (head >= 1024 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    written += count - rejectedCount;
    metrics.written(count - rejectedCount);
    if (rejectedCount > 0) recordDrop(rejectedCount, 'rejected by the log store as invalid');
    resolveWaiters();
  }

  function resolveWaiters() {
    for (let i = flushWaiters.length - 1; i >= 0; i--) {
      const waiter = flushWaiters[i];
      if (waiter && (settled >= waiter.target || abandoned)) {
        flushWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
    if (capacityWaiters.length > 0 && (closing || belowSoftLimit())) {
      const waiting = capacityWaiters;
      capacityWaiters = [];
      for (const resolve of waiting) resolve();
    }
  }

  function backoffMs(attempt: number): number {
    const exponential = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(exponential / 2 + (Math.random() * exponential) / 2); // jitter: many workers, one server
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        wakeBackoff = null;
        resolve();
      }
      wakeBackoff = done;
    });
  }

  function reportFailure(error: unknown, attempt: number, retryInMs: number) {
    const at = now();
    if (attempt > 1 && at - lastFailureLogAt < 5_000) return;
    lastFailureLogAt = at;
    log.warn(
      { error, attempt, retryInMs, buffered: buffered(), bufferedBytes },
      'writing execution log lines failed; the lines stay buffered and are retried',
    );
  }

  function recordDrop(lines: number, reason: string) {
    dropped += lines;
    metrics.dropped(lines);
    dropsUnreported += lines;
    dropReasons.set(reason, (dropReasons.get(reason) ?? 0) + lines);
    if (dropTimer) return;
    // Report on the next turn (a burst of drops in one synchronous loop becomes one line), then at
    // most once per second while drops go on.
    dropTimer = setTimeout(reportDrops, Math.max(0, lastDropReportAt + 1_000 - now()));
    dropTimer.unref();
  }

  function reportDrops() {
    if (dropTimer) clearTimeout(dropTimer);
    dropTimer = null;
    if (dropsUnreported === 0) return;
    const reasons = Object.fromEntries(dropReasons);
    log.warn(
      {
        dropped: dropsUnreported,
        droppedTotal: dropped,
        reasons,
        buffered: buffered(),
        bufferedBytes,
        hardLimitLines,
        maxBufferedBytes,
      },
      `dropped ${dropsUnreported} execution log lines since the last warning (${[...dropReasons.keys()].join(', ')})`,
    );
    lastDropReportAt = now();
    dropsUnreported = 0;
    dropReasons.clear();
  }

  return {
    write(line) {
      if (closing) {
        recordDrop(1, 'writer closed');
        return false;
      }
      if (buffered() >= hardLimitLines) {
        recordDrop(1, 'buffer full');
        return false;
      }
      const { line: clean, bytes } = sanitizeWithSize(line);
      if (bufferedBytes + bytes > maxBufferedBytes) {
        recordDrop(1, 'buffer full');
        return false;
      }
      queue.push({ doc: toDocument(clean), bytes, at: now() });
      bufferedBytes += bytes;
      accepted++;
      if (buffered() >= batchSize) scheduleKick();
      else armAgeTimer();
      return true;
    },

    waitForCapacity() {
      if (closing || belowSoftLimit()) return Promise.resolve();
      urgentUntil = Math.max(urgentUntil, accepted);
      const waiting = new Promise<void>((resolve) => capacityWaiters.push(resolve));
      scheduleKick();
      return waiting;
    },

    flush() {
      if (buffered() === 0 || abandoned) return Promise.resolve();
      urgentUntil = Math.max(urgentUntil, accepted);
      const target = accepted;
      const waiting = new Promise<void>((resolve) => flushWaiters.push({ target, resolve }));
      scheduleKick();
      return waiting;
    },

    close() {
      if (closed) return closed;
      closing = true;
      if (ageTimer) clearTimeout(ageTimer);
      ageTimer = null;
      resolveWaiters();
      closed = (async () => {
        if (buffered() > 0) {
          wakeBackoff?.(); // retry now rather than after the current backoff
          const drained = new Promise<boolean>((resolve) =>
            flushWaiters.push({ target: accepted, resolve: () => resolve(true) }),
          );
          kick();
          // A ref'd timer on purpose: whoever awaits close() keeps the process alive until the drain ends.
          let deadline: NodeJS.Timeout | undefined;
          const timedOut = new Promise<boolean>((resolve) => {
            deadline = setTimeout(() => resolve(false), drainTimeoutMs);
          });
          const ok = await Promise.race([drained, timedOut]);
          clearTimeout(deadline);
          if (!ok && buffered() > 0) {
            abandoned = true;
            wakeBackoff?.();
            const lost = buffered();
            log.error(
              { lost, drainTimeoutMs, failedFlushes },
              `the log store stayed unreachable for the ${drainTimeoutMs} ms drain timeout: ${lost} execution log lines are lost`,
            );
            dropped += lost;
            metrics.dropped(lost);
            settled += lost;
            queue = [];
            head = 0;
            bufferedBytes = 0;
            resolveWaiters();
          }
        }
        reportDrops();
      })();
      return closed;
    },

    stats() {
      return { buffered: buffered(), bufferedBytes, written, dropped, failedFlushes };
    },
  };
}

/** The stored document in the seed's key order; optional keys are left out, never null. */
function toDocument(line: LogLine): LogDocument {
  return {
    _id: new ObjectId(),
    tenantId: line.tenantId,
    workflowRunId: line.workflowRunId,
    ...(line.stepRunId !== undefined ? { stepRunId: line.stepRunId } : {}),
    level: line.level,
    message: line.message,
    ...(line.context !== undefined ? { context: line.context } : {}),
    timestamp: line.timestamp,
  };
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

interface Entry {
  doc: LogDocument;
  bytes: number;
  /** `now()` when written: the age that triggers a flush. */
  at: number;
}

export interface BatchingWriter {
  /** Synchronous and cheap; false means the line was dropped (buffer at its hard limit, or writer closed). */
  write(line: LogLine): boolean;
  /** Resolves once the buffer is below its soft limit: producers await this before producing more. */
  waitForCapacity(): Promise<void>;
  /** Resolves once every line buffered at the call is written (retrying while the store is down). */
  flush(): Promise<void>;
  /** Stops the timers and drains the buffer, retrying while the store is down, up to `drainTimeoutMs`. */
  close(): Promise<void>;
  stats(): { buffered: number; bufferedBytes: number; written: number; dropped: number; failedFlushes: number };
}

export interface BatchingWriterOptions {
  store: LogStore;
  log: Logger;
  /** Registers the conveyor_log_* metrics here when given. */
  metrics?: Registry;
  /** Lines per insertMany, and the buffer size that starts a flush. Default 500. */
  batchSize?: number;
  /** Age of the oldest buffered line that starts a flush. Default 200 ms. */
  flushIntervalMs?: number;
  /** `waitForCapacity()` waits while this many lines are buffered. Default 20,000. */
  softLimitLines?: number;
  /** `write()` drops lines while this many are buffered. Default 100,000. */
  hardLimitLines?: number;
  /** `write()` drops lines that would take the buffer past this estimate. Default 64 MiB. */
  maxBufferedBytes?: number;
  /** First retry delay after a failed batch. Default 100 ms. */
  retryInitialMs?: number;
  /** Largest retry delay. Default 5,000 ms. */
  retryMaxMs?: number;
  /** How long `close()` keeps retrying before it gives the rest up (counted as dropped). Default 30,000 ms. */
  drainTimeoutMs?: number;
  /** Clock for line ages and warning intervals. Default Date.now. */
  now?: () => number;
}
