import { describe, expect, it } from 'vitest';
import { scheduleProblem as problemOf, type Schedule, scheduleLimits, timezoneProblem } from './schedule';

/** The message alone, for the cases below; the field is checked on its own. */
const scheduleProblem = (schedule: Schedule, minIntervalMs: number, at: number) =>
  problemOf(schedule, minIntervalMs, at)?.message ?? null;

const now = Date.parse('2026-03-28T12:00:00Z');
const minute = 60_000;

describe('scheduleProblem', () => {
  it('accepts a schedule that parses and fires no more often than the minimum', () => {
    expect(scheduleProblem({ cron: '*/5 * * * *', timezone: null }, minute, now)).toBeNull();
    expect(scheduleProblem({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris' }, minute, now)).toBeNull();
  });

  it('refuses a cron that does not parse', () => {
    expect(scheduleProblem({ cron: '* * * * * * *', timezone: null }, minute, now)).toMatch(/does not parse/);
    expect(scheduleProblem({ cron: 'every day', timezone: null }, minute, now)).toMatch(/does not parse/);
  });

  it('refuses firings closer together than the minimum, including a seconds field', () => {
    expect(scheduleProblem({ cron: '* * * * * *', timezone: null }, minute, now)).toMatch(/fires every 1000 ms/);
    expect(scheduleProblem({ cron: '*/30 * * * * *', timezone: null }, minute, now)).toMatch(/more often than/);
    expect(scheduleProblem({ cron: '* * * * *', timezone: null }, 2 * minute, now)).toMatch(/fires every 60000 ms/);
  });

  it('finds the shortest interval of an uneven schedule', () => {
    expect(scheduleProblem({ cron: '0,1 * * * *', timezone: null }, 2 * minute, now)).toMatch(/fires every 60000 ms/);
  });

  it('refuses an unknown or empty timezone, and bounds both fields', () => {
    expect(scheduleProblem({ cron: '0 * * * *', timezone: 'Nowhere/City' }, minute, now)).toMatch(/not an IANA time zone/);
    expect(scheduleProblem({ cron: '0 * * * *', timezone: '' }, minute, now)).toMatch(/timezone must be/);
    expect(scheduleProblem({ cron: `0 * * * *${' '.repeat(scheduleLimits.cronLength)}`, timezone: null }, minute, now)).toMatch(
      /cron must be/,
    );
    expect(scheduleProblem({ cron: '', timezone: null }, minute, now)).toMatch(/cron must be/);
  });

  it('names the field at fault', () => {
    expect(problemOf({ cron: '* * * * * *', timezone: 'Nowhere/City' }, minute, now)?.field).toBe('timezone');
    expect(problemOf({ cron: '* * * * * *', timezone: 'UTC' }, minute, now)?.field).toBe('cron');
  });
});

describe('timezoneProblem', () => {
  it('knows IANA zones and UTC', () => {
    expect(timezoneProblem('UTC')).toBeNull();
    expect(timezoneProblem('America/New_York')).toBeNull();
    expect(timezoneProblem('Mars/Olympus')).not.toBeNull();
    expect(timezoneProblem('x'.repeat(scheduleLimits.timezoneLength + 1))).toMatch(/1–64 characters/);
  });
});
