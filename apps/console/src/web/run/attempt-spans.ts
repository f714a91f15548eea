/**
 * The timeline's bars, worked out from what the console has: each step's times in PostgreSQL (planned,
 * started, finished, its wait) and the run's execution log, whose lines carry the attempt they belong
 * to (`context.attempt`). Attempts' own start and end times are not stored with the step, so they come
 * from the first and last line each attempt logged; a step whose lines are missing (a lost log batch)
 * still gets one bar from its recorded start to its end.
 */
export type SpanKind = 'queued' | 'attempt' | 'wait';

export interface Span {
  kind: SpanKind;
  start: number;
  end: number;
  /** attempt: the attempt's number. */
  attempt?: number;
  /** attempt: failed (retried after), or the step's status for its last attempt. */
  outcome: string;
}

export interface StepTimes {
  id: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  wait: { receivedAt: string | null } | null;
}

export interface AttemptLine {
  stepRunId?: string | undefined;
  timestamp: string;
  context?: Record<string, unknown> | undefined;
}

export function stepSpans(step: StepTimes, lines: readonly AttemptLine[], now: number): Span[] {
  const ended = step.finishedAt ? Date.parse(step.finishedAt) : null;
  const attempts = attemptsFromLines(step.id, lines);
  if (attempts.length === 0 && step.startedAt)
    attempts.push({ attempt: 1, start: Date.parse(step.startedAt), end: Date.parse(step.startedAt) });
  const spans: Span[] = [];
  let cursor = Date.parse(step.createdAt);
  attempts.forEach((attempt, index) => {
    const last = index === attempts.length - 1;
    if (attempt.start > cursor) spans.push({ kind: 'queued', start: cursor, end: attempt.start, outcome: 'queued' });
    const end = last && !step.wait ? (ended ?? (step.status === 'RUNNING' ? now : attempt.end)) : attempt.end;
    spans.push({
      kind: 'attempt',
      attempt: attempt.attempt,
      start: attempt.start,
      end: Math.max(end, attempt.start),
      outcome: last ? step.status : 'FAILED',
    });
    cursor = Math.max(end, attempt.start);
  });
  if (step.wait) {
    const received = step.wait.receivedAt ? Date.parse(step.wait.receivedAt) : null;
    spans.push({ kind: 'wait', start: cursor, end: received ?? ended ?? now, outcome: received ? 'received' : 'waiting' });
  } else if (attempts.length === 0) {
    spans.push({ kind: 'queued', start: cursor, end: ended ?? now, outcome: step.status });
  }
  return spans;
}

function attemptsFromLines(stepRunId: string, lines: readonly AttemptLine[]) {
  const byAttempt = new Map<number, { attempt: number; start: number; end: number }>();
  for (const line of lines) {
    const attempt = line.context?.attempt;
    if (line.stepRunId !== stepRunId || typeof attempt !== 'number') continue;
    const at = Date.parse(line.timestamp);
    const known = byAttempt.get(attempt);
    if (!known) byAttempt.set(attempt, { attempt, start: at, end: at });
    else byAttempt.set(attempt, { attempt, start: Math.min(known.start, at), end: Math.max(known.end, at) });
  }
  return [...byAttempt.values()].sort((a, b) => a.attempt - b.attempt);
}
