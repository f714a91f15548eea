import cronParser from 'cron-parser';

/**
 * Why a schedule cannot run, or null when it can: a cron expression or timezone that does not
 * parse, or firings closer together than `minIntervalMs` (looked at over its next few firings).
 */
export function scheduleProblem(cron: string, timezone: string | null, minIntervalMs: number, now: number): string | null {
  let firings: number[];
  try {
    const expression = cronParser.parseExpression(cron, { tz: timezone ?? 'UTC', currentDate: new Date(now) });
    firings = Array.from({ length: 5 }, () => expression.next().getTime());
  } catch (error) {
    return `cron "${cron}" with timezone ${timezone ?? 'UTC'} does not parse: ${(error as Error).message}`;
  }
  const shortest = Math.min(...firings.slice(1).map((at, index) => at - (firings[index] as number)));
  return shortest < minIntervalMs
    ? `cron "${cron}" fires every ${shortest} ms, more often than the minimum ${minIntervalMs} ms`
    : null;
}
