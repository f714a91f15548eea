import type { StepLogger } from '@conveyor/actions';
import type { Logger } from '@conveyor/observability';

/** Execution log lines of one step, written through the job's structured logger. */
export function createStepLogger(jobLog: Logger): StepLogger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, context?: Record<string, unknown>) =>
    jobLog[level]({ execution: true, context }, message);
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
