import type { ActionContext, StepLogger } from '../src/action';

/**
 * Test support (not exported from the package): an `ActionContext` whose logger records lines.
 * Its own helper, not `@conveyor/testing`'s, because that is not a dependency of this package.
 */
export function createTestContext(overrides: Partial<ActionContext> = {}): {
  ctx: ActionContext;
  lines: LoggedLine[];
  /** The values the action marked secret (`ctx.redact`). */
  redacted: string[];
} {
  const lines: LoggedLine[] = [];
  const redacted: string[] = [];
  const record =
    (level: LoggedLine['level']) =>
    (msg: string, context?: Record<string, unknown>): void => {
      lines.push({ level, msg, context });
    };
  const log: StepLogger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const ctx: ActionContext = {
    signal: new AbortController().signal,
    log,
    idempotencyKey: 'step-run-1',
    attempt: 1,
    now: () => Date.now(),
    http: { allowPrivateNetworks: [] },
    redact: (value) => redacted.push(value),
    ...overrides,
  };
  return { ctx, lines, redacted };
}

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  context: Record<string, unknown> | undefined;
}
