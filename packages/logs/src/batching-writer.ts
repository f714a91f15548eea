import type { Logger } from '@conveyor/observability';
import { ObjectId } from 'mongodb';
import type { Registry } from 'prom-client';
import { DropReporter } from './drop-reporter';
import { FlushPump } from './flush-pump';
import { LogBuffer } from './log-buffer';
import type { LogDocument, LogLine } from './log-line';
import type { LogStore } from './log-store';
import { createLogWriterMetrics } from './log-writer.metrics';
import { type SanitizeOptions, sanitizeWithSize } from './sanitize-line';
import { WriterWaiters } from './writer-waiters';

/**
 * Buffers execution log lines in memory and writes them to the log store in unordered batches, so a
 * step never waits for MongoDB and MongoDB never sees one round trip per line.
 *
 * - `write()` is synchronous: it sanitizes the line (size budgets, secret keys, the caller's secret
 *   values) — the one place a line is sanitized — gives it its `_id` right away — a retried batch can
 *   never insert a line twice, and ObjectIds of one process increase, so lines with equal timestamps
 *   keep their order — and appends it to the buffer.
 * - A flush starts when `batchSize` lines are buffered or the oldest line is `flushIntervalMs` old; one
 *   flush runs at a time, in batches of at most `batchSize`, oldest first. A failed batch stays at the
 *   front of the buffer and is retried with exponential backoff (`retryInitialMs` → `retryMaxMs`).
 * - Memory is bounded: past `softLimitLines` (or a quarter of `maxBufferedBytes`) `waitForCapacity()`
 *   holds producers back; past `hardLimitLines` or `maxBufferedBytes` a line is dropped, counted, and
 *   reported in one WARN line per burst (at most one per second, with the count since the last one).
 * - `close()` drains the buffer, retrying while the store is down, for up to `drainTimeoutMs`.
 *
 * The parts: `LogBuffer` (the lines and their byte count), `FlushPump` (flushes, retries and their
 * backoff), `DropReporter` (drop counts and warnings), `WriterWaiters` (flush() and waitForCapacity()).
 */
export function createBatchingWriter(opts: BatchingWriterOptions): BatchingWriter {
  const { store, log } = opts;
  const limits = resolveLimits(opts);
  const now = opts.now ?? Date.now;
  const state = { closing: false, abandoned: false };
  const buffer = new LogBuffer();
  const waiters = new WriterWaiters();
  const metrics = createLogWriterMetrics(opts.metrics, () => ({ lines: buffer.lines, bytes: buffer.bytes }));
  const drops = new DropReporter({
    log,
    metrics,
    now,
    context: () => ({
      buffered: buffer.lines,
      bufferedBytes: buffer.bytes,
      hardLimitLines: limits.hardLimitLines,
      maxBufferedBytes: limits.maxBufferedBytes,
    }),
  });
  const belowSoftLimit = () => buffer.lines < limits.softLimitLines && buffer.bytes < limits.softLimitBytes;
  const releaseWaiters = () =>
    waiters.release({ settled: buffer.settled, abandoned: state.abandoned, hasCapacity: state.closing || belowSoftLimit() });
  const pump = new FlushPump({
    ...limits,
    store,
    log,
    metrics,
    now,
    buffer,
    drops,
    state,
    waitingForCapacity: () => waiters.waitingForCapacity,
    onSettled: releaseWaiters,
  });
  let closed: Promise<void> | null = null;

  /** Waits for the buffer to drain; past `drainTimeoutMs` gives the rest up, counted as dropped. */
  async function drain(): Promise<void> {
    if (buffer.lines === 0) return;
    pump.wake(); // retry now rather than after the current backoff
    const drained = waiters.untilSettled(buffer.accepted).then(() => true);
    pump.kick();
    // A ref'd timer on purpose: whoever awaits close() keeps the process alive until the drain ends.
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      deadline = setTimeout(() => resolve(false), limits.drainTimeoutMs);
    });
    const ok = await Promise.race([drained, timedOut]);
    clearTimeout(deadline);
    if (ok || buffer.lines === 0) return;
    state.abandoned = true;
    pump.wake();
    const lost = buffer.lines;
    log.error(
      { lost, drainTimeoutMs: limits.drainTimeoutMs, failedFlushes: pump.failedFlushes },
      `the log store stayed unreachable for the ${limits.drainTimeoutMs} ms drain timeout: ${lost} execution log lines are lost`,
    );
    drops.countReported(buffer.discardAll());
    releaseWaiters();
  }

  return {
    write(line, options) {
      if (state.closing) {
        drops.record(1, 'writer closed');
        return false;
      }
      if (buffer.lines >= limits.hardLimitLines) {
        drops.record(1, 'buffer full');
        return false;
      }
      const { line: clean, bytes } = sanitizeWithSize(line, options);
      if (buffer.bytes + bytes > limits.maxBufferedBytes) {
        drops.record(1, 'buffer full');
        return false;
      }
      buffer.push({ doc: toDocument(clean), bytes, at: now() });
      if (buffer.lines >= limits.batchSize) pump.scheduleKick();
      else pump.armAgeTimer();
      return true;
    },

    waitForCapacity() {
      if (state.closing || belowSoftLimit()) return Promise.resolve();
      pump.hurry();
      const waiting = waiters.untilCapacity();
      pump.scheduleKick();
      return waiting;
    },

    flush() {
      if (buffer.lines === 0 || state.abandoned) return Promise.resolve();
      pump.hurry();
      const waiting = waiters.untilSettled(buffer.accepted);
      pump.scheduleKick();
      return waiting;
    },

    close() {
      if (closed) return closed;
      state.closing = true;
      pump.stopAgeTimer();
      releaseWaiters();
      closed = drain().then(() => drops.report());
      return closed;
    },

    stats() {
      return {
        buffered: buffer.lines,
        bufferedBytes: buffer.bytes,
        written: pump.written,
        dropped: drops.total,
        failedFlushes: pump.failedFlushes,
      };
    },
  };
}

/** The options' limits with their defaults; an absent or non-positive value takes the default. */
function resolveLimits(opts: BatchingWriterOptions) {
  const hardLimitLines = positive(opts.hardLimitLines, 100_000);
  const maxBufferedBytes = positive(opts.maxBufferedBytes, 64 * 1024 * 1024);
  const retryInitialMs = positive(opts.retryInitialMs, 100);
  return {
    batchSize: positive(opts.batchSize, 500),
    flushIntervalMs: positive(opts.flushIntervalMs, 200),
    hardLimitLines,
    softLimitLines: Math.min(positive(opts.softLimitLines, 20_000), hardLimitLines),
    maxBufferedBytes,
    softLimitBytes: Math.floor(maxBufferedBytes / 4),
    retryInitialMs,
    retryMaxMs: Math.max(retryInitialMs, positive(opts.retryMaxMs, 5_000)),
    drainTimeoutMs: positive(opts.drainTimeoutMs, 30_000),
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

export interface BatchingWriter {
  /**
   * Synchronous and cheap: sanitizes the line (with `options.secretValues` redacted) and buffers it;
   * false means the line was dropped (buffer at its hard limit, or writer closed).
   */
  write(line: LogLine, options?: Pick<SanitizeOptions, 'secretValues'>): boolean;
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
