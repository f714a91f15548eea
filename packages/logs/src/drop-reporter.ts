import type { Logger } from '@conveyor/observability';
import type { LogWriterMetrics } from './log-writer.metrics';

/**
 * Counts dropped lines and reports them in one WARN line per burst: the first report comes on the
 * next turn (a burst of drops in one synchronous loop becomes one line), then at most one per second
 * while drops go on, each with the count and reasons since the last one.
 */
export class DropReporter {
  #total = 0;
  #unreported = 0;
  readonly #reasons = new Map<string, number>();
  #lastReportAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: DropReporterDeps) {}

  get total(): number {
    return this.#total;
  }

  /** Counts dropped lines and schedules their warning. */
  record(lines: number, reason: string): void {
    this.countReported(lines);
    this.#unreported += lines;
    this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + lines);
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.report(), Math.max(0, this.#lastReportAt + 1_000 - this.deps.now()));
    this.#timer.unref();
  }

  /** Counts dropped lines that the caller has reported in its own log line. */
  countReported(lines: number): void {
    this.#total += lines;
    this.deps.metrics.dropped(lines);
  }

  /** Writes the pending warning now, if drops are unreported. */
  report(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#unreported === 0) return;
    this.deps.log.warn(
      {
        dropped: this.#unreported,
        droppedTotal: this.#total,
        reasons: Object.fromEntries(this.#reasons),
        ...this.deps.context(),
      },
      `dropped ${this.#unreported} execution log lines since the last warning (${[...this.#reasons.keys()].join(', ')})`,
    );
    this.#lastReportAt = this.deps.now();
    this.#unreported = 0;
    this.#reasons.clear();
  }
}

export interface DropReporterDeps {
  log: Logger;
  metrics: LogWriterMetrics;
  now: () => number;
  /** Fields added to each warning: the buffer's state and limits. */
  context: () => Record<string, unknown>;
}
