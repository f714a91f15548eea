import cronParser from 'cron-parser';

/** The longest cron expression and timezone name a schedule trigger may hold. */
export const scheduleLimits = { cronLength: 120, timezoneLength: 64 } as const;

/** The timezone of a schedule that names none. */
export const DEFAULT_SCHEDULE_TIMEZONE = 'UTC';

/** What is wrong with a schedule, and which of its two fields says it. */
export interface ScheduleProblem {
  field: 'cron' | 'timezone';
  message: string;
}

export interface Schedule {
  cron: string;
  /** An IANA zone name; null means UTC. */
  timezone: string | null;
}

/** Firings looked at to find the shortest interval (a cron's spacing can vary, e.g. `0 9,10 * * *`). */
const FIRINGS_CHECKED = 6;

/** Why `timezone` is not a zone schedules can use, or null when it is. */
export function timezoneProblem(timezone: string): string | null {
  if (timezone.length === 0 || timezone.length > scheduleLimits.timezoneLength) {
    return `timezone must be 1–${scheduleLimits.timezoneLength} characters`;
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return null;
  } catch {
    return `timezone "${timezone}" is not an IANA time zone (e.g. Europe/Paris)`;
  }
}

/**
 * Why a schedule cannot run, or null when it can: a cron expression or timezone that does not
 * parse or is too long, or firings closer together than `minIntervalMs`. One rule for both places
 * that judge a schedule: the api when Hasura writes a trigger, the worker when it syncs schedulers.
 */
export function scheduleProblem(schedule: Schedule, minIntervalMs: number, now: number): ScheduleProblem | null {
  const { timezone } = schedule;
  const zone = timezone === null ? null : timezoneProblem(timezone);
  if (zone) return { field: 'timezone', message: zone };
  const cron = cronProblem(schedule, minIntervalMs, now);
  return cron ? { field: 'cron', message: cron } : null;
}

function cronProblem({ cron, timezone }: Schedule, minIntervalMs: number, now: number): string | null {
  if (cron.length === 0 || cron.length > scheduleLimits.cronLength)
    return `cron must be 1–${scheduleLimits.cronLength} characters`;
  let firings: number[];
  try {
    const expression = cronParser.parseExpression(cron, {
      tz: timezone ?? DEFAULT_SCHEDULE_TIMEZONE,
      currentDate: new Date(now),
    });
    firings = Array.from({ length: FIRINGS_CHECKED }, () => expression.next().getTime());
  } catch (error) {
    return `cron "${cron}" does not parse: ${(error as Error).message}`;
  }
  const shortest = Math.min(...firings.slice(1).map((at, index) => at - (firings[index] as number)));
  return shortest < minIntervalMs
    ? `cron "${cron}" fires every ${shortest} ms, more often than the minimum ${minIntervalMs} ms`
    : null;
}
