import { randomUUID } from 'node:crypto';
import type { LogLevel, LogLine } from '@conveyor/logs';
import { createLogger } from '@conveyor/observability';

/** The benchmark's own logger for the log store and writer: warnings and errors only. */
export const benchLog = createLogger({ service: 'bench', level: 'warn' });

const LEVELS: LogLevel[] = ['INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];

/**
 * `count` execution log lines shaped like a step's: one tenant, `perRun` lines per run spread over
 * three steps, a short message and a small context, timestamps increasing from `start`.
 */
export function makeLogLines(
  count: number,
  { perRun, start = Date.now(), tenantId = randomUUID() }: { perRun: number; start?: number; tenantId?: string },
) {
  const lines: LogLine[] = [];
  let runId = randomUUID();
  let steps = [randomUUID(), randomUUID(), randomUUID()];
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % perRun === 0) {
      runId = randomUUID();
      steps = [randomUUID(), randomUUID(), randomUUID()];
    }
    lines.push({
      tenantId,
      workflowRunId: runId,
      stepRunId: steps[i % 3] as string,
      level: LEVELS[i % LEVELS.length] as LogLevel,
      message: `step s${i % 3} succeeded in ${i % 17} ms (line ${i})`,
      context: { attempt: 1, durationMs: i % 17, orderId: `ord-${i % 1000}` },
      timestamp: new Date(start + i),
    });
  }
  return { tenantId, lines };
}
