import type { Logger } from '@conveyor/observability';
import type { LogStore, RetentionMode } from './log-store';

/**
 * Initialises the log store without holding the process back: when the store is down at boot,
 * `init()` is tried again every `retryMs` until it succeeds, and `onReady` learns its retention
 * mode then. Logs are off the run path: a process starts and runs steps while the store is away.
 */
export function keepInitialising(
  store: Pick<LogStore, 'init'>,
  log: Pick<Logger, 'warn' | 'info'>,
  { retryMs = 5_000, onReady = () => undefined }: { retryMs?: number; onReady?: (retention: RetentionMode) => void } = {},
): { firstAttempt: Promise<boolean>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const attempt = async (): Promise<boolean> => {
    try {
      const { retention } = await store.init();
      if (failures > 0) log.info({ failures }, 'log store reachable again: initialised');
      onReady(retention);
      return true;
    } catch (error) {
      failures += 1;
      if (failures === 1) log.warn({ error, retryMs }, 'log store unreachable: starting without it, lines buffer meanwhile');
      if (!stopped) timer = setTimeout(() => void attempt(), retryMs);
      return false;
    }
  };
  return {
    /** Whether the store was initialised at the first try (callers wait for this one only). */
    firstAttempt: attempt(),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
