import type { StepLogger } from '@conveyor/actions';
import type { BatchingWriter, LogLevel } from '@conveyor/logs';

export interface StepLogTarget {
  writer: BatchingWriter;
  ids: { tenantId: string; workflowRunId: string; stepRunId: string };
  /** Values that must never reach a log line: the step's connection credentials. */
  secretValues: string[];
  now: () => number;
}

/** Execution log lines of one step, batched into the log store; the writer redacts and bounds each line. */
export function createStepLogger({ writer, ids, secretValues, now }: StepLogTarget): StepLogger {
  const write = (level: LogLevel) => (message: string, context?: Record<string, unknown>) => {
    writer.write({ ...ids, level, message, ...(context ? { context } : {}), timestamp: new Date(now()) }, { secretValues });
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

/** Every string inside a connection's credentials, for redaction. */
export function secretStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(secretStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(secretStrings);
  return [];
}
