import { createLogger, type Logger } from '@conveyor/observability';

type CapturedLine = Record<string, unknown> & { level: number; msg: string };

/** A pino logger whose lines are kept, parsed, for assertions; only test files import this. */
export function captureLog(level: 'debug' | 'info' = 'debug'): {
  log: Logger;
  lines: CapturedLine[];
  warnings: () => CapturedLine[];
} {
  const lines: CapturedLine[] = [];
  const log = createLogger({ service: 'logs-test', level, destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  return { log, lines, warnings: () => lines.filter((line) => line.level === 40) };
}
