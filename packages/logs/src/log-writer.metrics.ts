import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Metric names of the batching writer (no labels: nothing per tenant or run, so the set stays bounded). */
export const logWriterMetricNames = {
  bufferLines: 'conveyor_log_buffer_lines',
  bufferBytes: 'conveyor_log_buffer_bytes',
  written: 'conveyor_log_lines_written_total',
  dropped: 'conveyor_log_lines_dropped_total',
  flushFailures: 'conveyor_log_flush_failures_total',
  flushDuration: 'conveyor_log_flush_duration_seconds',
} as const;

export interface LogWriterMetrics {
  written(lines: number): void;
  dropped(lines: number): void;
  flushFailed(): void;
  flushDuration(seconds: number): void;
}

/**
 * Registers the writer's metrics on `registry`; the two gauges read the buffer when scraped. One
 * writer per registry (a second registration of the same names throws, as prom-client does).
 */
export function createLogWriterMetrics(
  registry: Registry | undefined,
  buffer: () => { lines: number; bytes: number },
): LogWriterMetrics {
  if (!registry) return { written() {}, dropped() {}, flushFailed() {}, flushDuration() {} };
  const registers = [registry];
  new Gauge({
    name: logWriterMetricNames.bufferLines,
    help: 'Execution log lines waiting in this process for a flush to MongoDB',
    registers,
    collect() {
      this.set(buffer().lines);
    },
  });
  new Gauge({
    name: logWriterMetricNames.bufferBytes,
    help: 'Estimated memory held by buffered execution log lines, in bytes',
    registers,
    collect() {
      this.set(buffer().bytes);
    },
  });
  const written = new Counter({
    name: logWriterMetricNames.written,
    help: 'Execution log lines the log store acknowledged',
    registers,
  });
  const dropped = new Counter({
    name: logWriterMetricNames.dropped,
    help: 'Execution log lines dropped: buffer full, writer closed, rejected by the server, or not drained in time',
    registers,
  });
  const flushFailures = new Counter({
    name: logWriterMetricNames.flushFailures,
    help: 'Failed attempts to write a batch of execution log lines (each is retried)',
    registers,
  });
  const flushDuration = new Histogram({
    name: logWriterMetricNames.flushDuration,
    help: 'Duration of one insertMany of a batch of execution log lines, successful or not',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  return {
    written: (lines) => written.inc(lines),
    dropped: (lines) => dropped.inc(lines),
    flushFailed: () => flushFailures.inc(),
    flushDuration: (seconds) => flushDuration.observe(seconds),
  };
}
