import { ConveyorError } from '@conveyor/errors';
import type { LogDocument, LogLevel, StoredLogLine } from './log-line';

/**
 * Where execution log lines live. `createMongoLogStore` is the one implementation; the batching
 * writer and the read routes depend on this interface only.
 */
export interface LogStore {
  /**
   * Creates the collection and its indexes (idempotent) and finds out, once, how retention works on
   * this server: a TTL index, or — where the server refuses TTL indexes (FerretDB) — `sweepExpired`.
   */
  init(): Promise<{ retention: RetentionMode }>;
  /**
   * Unordered insert. Documents already present (duplicate `_id`, i.e. a retried batch) count as
   * written. Documents the server rejects as invalid throw `RejectedLogDocumentsError` (the others
   * are written); any other failure throws as is and the whole batch may be retried.
   */
  insertMany(docs: LogDocument[]): Promise<void>;
  /** One page of one run's lines, always within `tenantId`. */
  query(q: LogQuery): Promise<LogPage>;
  /**
   * Deletes lines older than the retention, oldest first, in batches of `batchSize`, and at most a
   * bounded number of batches per call; returns how many were deleted. Run it from one leader.
   */
  sweepExpired(now: Date, batchSize?: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type RetentionMode = 'ttl-index' | 'sweep';

export interface LogQuery {
  tenantId: string;
  workflowRunId: string;
  stepRunId?: string;
  /** That level and the ones above it. */
  minLevel?: LogLevel;
  /** Inclusive lower bound on `timestamp`. */
  since?: Date;
  /** Exclusive upper bound on `timestamp`. */
  until?: Date;
  /** Clamped to 1..1000. */
  limit: number;
  /** Opaque; from `LogPage.nextCursor` or `cursorOf(line)`. */
  cursor?: string;
  order: 'asc' | 'desc';
}

export interface LogPage {
  lines: StoredLogLine[];
  /** Null when this page is the last one (for now: a live tail continues from `cursorOf(lastLine)`). */
  nextCursor: string | null;
}

/**
 * Some documents of an unordered insert were refused as invalid (never retried: they would be refused
 * again); every other document of the batch was written. `index` is the position in the batch.
 */
export class RejectedLogDocumentsError extends ConveyorError {
  readonly rejected: RejectedLogDocument[];

  constructor(rejected: RejectedLogDocument[], cause?: unknown) {
    super({
      code: 'VALIDATION_FAILED',
      message: `the log store rejected ${rejected.length} document(s) of the batch`,
      cause,
      details: { rejected },
    });
    this.name = 'RejectedLogDocumentsError';
    this.rejected = rejected;
  }
}

export interface RejectedLogDocument {
  index: number;
  code: number | undefined;
  message: string;
}
