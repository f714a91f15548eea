import type { Logger } from '@conveyor/observability';
import type { DropReporter } from './drop-reporter';
import type { LogBuffer } from './log-buffer';
import { type LogStore, RejectedLogDocumentsError } from './log-store';
import type { LogWriterMetrics } from './log-writer.metrics';

/**
 * Moves buffered lines to the store: one flush at a time, in batches of at most `batchSize`, oldest
 * first. A flush starts when a batch is full, when the oldest line is `flushIntervalMs` old, or when
 * the writer hurries it (flush(), waitForCapacity(), close()). A failed batch stays at the front of the
 * buffer and is retried with exponential backoff (`retryInitialMs` → `retryMaxMs`, with jitter);
 * documents the store rejects as invalid are dropped and the rest of their batch counts as written.
 */
export class FlushPump {
  #written = 0;
  #failedFlushes = 0;
  #running: Promise<void> | null = null;
  #kickScheduled = false;
  #ageTimer: NodeJS.Timeout | null = null;
  #wakeBackoff: (() => void) | null = null;
  /** Flush regardless of size and age until the buffer's `settled` count reaches this. */
  #urgentUntil = 0;
  #lastFailureLogAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: FlushPumpDeps) {}

  get written(): number {
    return this.#written;
  }

  get failedFlushes(): number {
    return this.#failedFlushes;
  }

  /** Flush regardless of size and age until every line accepted so far has left the buffer. */
  hurry(): void {
    this.#urgentUntil = Math.max(this.#urgentUntil, this.deps.buffer.accepted);
  }

  /** Starts a flush after the current synchronous work, so `write()` itself stays cheap. */
  scheduleKick(): void {
    if (this.#kickScheduled || this.#running) return;
    this.#kickScheduled = true;
    queueMicrotask(() => {
      this.#kickScheduled = false;
      this.kick();
    });
  }

  /** Starts a flush now, unless one is running. */
  kick(): void {
    if (this.#running || this.deps.state.abandoned) return;
    this.stopAgeTimer();
    this.#running = this.#pump()
      .catch((error: unknown) => this.deps.log.error({ error }, 'execution log writer failed unexpectedly'))
      .finally(() => {
        this.#running = null;
        if (this.#needsFlush()) this.kick();
        else this.armAgeTimer();
      });
  }

  /** Makes sure a flush starts once the oldest buffered line is `flushIntervalMs` old. */
  armAgeTimer(): void {
    if (this.#ageTimer || this.#running || this.#kickScheduled || this.deps.state.abandoned) return;
    const oldest = this.deps.buffer.oldest();
    if (!oldest) return;
    this.#ageTimer = setTimeout(
      () => {
        this.#ageTimer = null;
        this.hurry();
        this.kick();
      },
      Math.max(0, this.deps.flushIntervalMs - (this.deps.now() - oldest.at)),
    );
    this.#ageTimer.unref();
  }

  stopAgeTimer(): void {
    if (this.#ageTimer) clearTimeout(this.#ageTimer);
    this.#ageTimer = null;
  }

  /** Ends the current backoff: the failed batch is retried now. */
  wake(): void {
    this.#wakeBackoff?.();
  }

  #needsFlush(): boolean {
    const { buffer, state } = this.deps;
    if (state.abandoned || buffer.lines === 0) return false;
    if (
      state.closing ||
      buffer.settled < this.#urgentUntil ||
      this.deps.waitingForCapacity() ||
      buffer.lines >= this.deps.batchSize
    ) {
      return true;
    }
    const oldest = buffer.oldest();
    return oldest !== undefined && this.deps.now() - oldest.at >= this.deps.flushIntervalMs;
  }

  async #pump(): Promise<void> {
    let attempt = 0;
    while (this.#needsFlush()) {
      const count = Math.min(this.deps.batchSize, this.deps.buffer.lines);
      const result = await this.#insert(count);
      if (this.deps.state.abandoned) return;
      let rejected = 0;
      if (!result.ok && result.error instanceof RejectedLogDocumentsError) {
        rejected = this.#reportRejected(result.error, count);
      } else if (!result.ok) {
        attempt++;
        await this.#backOff(result.error, attempt);
        continue;
      }
      if (attempt > 0) {
        this.deps.log.info(
          { attempts: attempt + 1, buffered: this.deps.buffer.lines },
          'execution log lines are being written again',
        );
      }
      attempt = 0;
      this.#settle(count, rejected);
    }
  }

  /** One insertMany of the oldest `count` lines; never throws. */
  async #insert(count: number): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const started = performance.now();
    try {
      await this.deps.store.insertMany(this.deps.buffer.front(count));
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    } finally {
      this.deps.metrics.flushDuration((performance.now() - started) / 1000);
    }
  }

  /** Logs the documents of a `count`-line batch the store refused as invalid; answers how many. */
  #reportRejected(error: RejectedLogDocumentsError, count: number): number {
    const rejected = error.rejected.map((r) => r.index).filter((index) => index >= 0 && index < count);
    this.deps.log.warn(
      { rejected: error.rejected.slice(0, 5), rejectedCount: rejected.length, batch: count },
      'the log store rejected execution log lines as invalid; they are dropped, the rest of the batch is written',
    );
    return rejected.length;
  }

  /** The oldest `count` lines left the buffer: written, except `rejected` of them. */
  #settle(count: number, rejected: number): void {
    this.deps.buffer.settleFront(count);
    this.#written += count - rejected;
    this.deps.metrics.written(count - rejected);
    if (rejected > 0) this.deps.drops.record(rejected, 'rejected by the log store as invalid');
    this.deps.onSettled();
  }

  async #backOff(error: unknown, attempt: number): Promise<void> {
    this.#failedFlushes++;
    this.deps.metrics.flushFailed();
    const delay = this.#backoffMs(attempt);
    this.#reportFailure(error, attempt, delay);
    await this.#sleep(this.deps.state.closing ? Math.min(delay, 1_000) : delay);
  }

  #backoffMs(attempt: number): number {
    const { retryInitialMs, retryMaxMs } = this.deps;
    const exponential = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(exponential / 2 + (Math.random() * exponential) / 2); // jitter: many workers, one server
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeBackoff = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wakeBackoff = done;
    });
  }

  /** A WARN for the first failure of an outage, then at most one every 5 s while it lasts. */
  #reportFailure(error: unknown, attempt: number, retryInMs: number): void {
    const at = this.deps.now();
    if (attempt > 1 && at - this.#lastFailureLogAt < 5_000) return;
    this.#lastFailureLogAt = at;
    const { lines: buffered, bytes: bufferedBytes } = this.deps.buffer;
    this.deps.log.warn(
      { error, attempt, retryInMs, buffered, bufferedBytes },
      'writing execution log lines failed; the lines stay buffered and are retried',
    );
  }
}

export interface FlushPumpDeps {
  store: LogStore;
  log: Logger;
  metrics: LogWriterMetrics;
  now: () => number;
  buffer: LogBuffer;
  drops: DropReporter;
  /** The writer's lifecycle: closing flushes whatever is buffered; abandoned stops every flush. */
  state: { readonly closing: boolean; readonly abandoned: boolean };
  /** Whether producers wait in waitForCapacity(): a flush then starts whatever the batch size. */
  waitingForCapacity: () => boolean;
  /** Called after each batch left the buffer, to release waiters. */
  onSettled: () => void;
  batchSize: number;
  flushIntervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}
