import type { ObjectId } from 'mongodb';

/** Severity of an execution log line, in ascending order. */
export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const satisfies readonly string[];

export type LogLevel = (typeof logLevels)[number];

/** `level` and every level above it, e.g. `WARN` → `['WARN', 'ERROR']`. */
export function levelsAtOrAbove(level: LogLevel): LogLevel[] {
  return logLevels.slice(logLevels.indexOf(level));
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (logLevels as readonly string[]).includes(value);
}

/** One line a step (or the platform on its behalf) logged. */
export interface LogLine {
  tenantId: string;
  workflowRunId: string;
  stepRunId?: string;
  level: LogLevel;
  message: string;
  context?: Record<string, unknown>;
  timestamp: Date;
}

/** A line as read back: `id` is the hex of its ObjectId. */
export interface StoredLogLine extends LogLine {
  id: string;
}

/**
 * The stored document, exactly the seed's `execution_logs` shape (storage-architecture §2);
 * `stepRunId` and `context` are absent, not null, when the line has none.
 */
export interface LogDocument extends LogLine {
  _id: ObjectId;
}
