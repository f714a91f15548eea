import { describe, expect, it } from 'vitest';
import { stepSpans } from './attempt-spans';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const line = (stepRunId: string, ms: number, attempt: number) => ({ stepRunId, timestamp: at(ms), context: { attempt } });

describe('stepSpans', () => {
  it('draws queued time, a failed attempt, the backoff and the attempt that succeeded', () => {
    const step = { id: 's1', status: 'SUCCEEDED', createdAt: at(0), startedAt: at(100), finishedAt: at(2_500), wait: null };
    const lines = [line('s1', 100, 1), line('s1', 400, 1), line('s1', 1_500, 2), line('s1', 2_400, 2), line('other', 50, 1)];
    expect(stepSpans(step, lines, T0 + 9_999)).toEqual([
      { kind: 'queued', start: T0, end: T0 + 100, outcome: 'queued' },
      { kind: 'attempt', attempt: 1, start: T0 + 100, end: T0 + 400, outcome: 'FAILED' },
      { kind: 'queued', start: T0 + 400, end: T0 + 1_500, outcome: 'queued' },
      { kind: 'attempt', attempt: 2, start: T0 + 1_500, end: T0 + 2_500, outcome: 'SUCCEEDED' },
    ]);
  });

  it('runs a running attempt and an open wait up to now', () => {
    const running = { id: 's1', status: 'RUNNING', createdAt: at(0), startedAt: at(0), finishedAt: null, wait: null };
    expect(stepSpans(running, [line('s1', 10, 1)], T0 + 500).at(-1)).toMatchObject({ kind: 'attempt', end: T0 + 500 });
    const waiting = { ...running, status: 'QUEUED', wait: { receivedAt: null } };
    expect(stepSpans(waiting, [line('s1', 10, 1), line('s1', 20, 1)], T0 + 800).at(-1)).toEqual({
      kind: 'wait',
      start: T0 + 20,
      end: T0 + 800,
      outcome: 'waiting',
    });
  });

  it('falls back to the recorded start and end when the step logged nothing', () => {
    const step = { id: 's1', status: 'FAILED', createdAt: at(0), startedAt: at(200), finishedAt: at(900), wait: null };
    expect(stepSpans(step, [], T0 + 5_000)).toEqual([
      { kind: 'queued', start: T0, end: T0 + 200, outcome: 'queued' },
      { kind: 'attempt', attempt: 1, start: T0 + 200, end: T0 + 900, outcome: 'FAILED' },
    ]);
  });

  it('keeps a step that never started queued until now', () => {
    const step = { id: 's1', status: 'QUEUED', createdAt: at(0), startedAt: null, finishedAt: null, wait: null };
    expect(stepSpans(step, [], T0 + 300)).toEqual([{ kind: 'queued', start: T0, end: T0 + 300, outcome: 'QUEUED' }]);
  });
});
