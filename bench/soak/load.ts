// Runs the load generator (load-child.ts) in its own process and gathers its per-second reports.
import { fork } from 'node:child_process';
import path from 'node:path';
import { onCleanup } from '../../chaos/cleanup';
import type { LoadArgs, LoadMessage } from './load-child';

export interface LoadSecond {
  second: number;
  statuses: Record<string, number>;
  latencyMs: number[];
}

export interface LoadRun {
  /** Epoch ms the child started sending. */
  startedAt: Promise<number>;
  /** Resolves once the child has had every answer (or given up on it) and exited. */
  done: Promise<{ seconds: LoadSecond[]; sent: number; skipped: number }>;
}

export function startLoad(args: LoadArgs): LoadRun {
  const child = fork(path.join(import.meta.dirname, 'load-child.ts'), [JSON.stringify(args)], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const unregister = onCleanup('load generator', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const seconds: LoadSecond[] = [];
  let resolveStart: (at: number) => void = () => undefined;
  let rejectStart: (error: Error) => void = () => undefined;
  const startedAt = new Promise<number>((resolve, reject) => {
    resolveStart = resolve;
    rejectStart = reject;
  });
  let finished: { sent: number; skipped: number } | undefined;
  child.on('message', (raw) => {
    const message = raw as LoadMessage;
    if (message.type === 'started') resolveStart(message.at);
    else if (message.type === 'second') seconds.push(message);
    else finished = { sent: message.sent, skipped: message.skipped };
  });
  const done = new Promise<{ seconds: LoadSecond[]; sent: number; skipped: number }>((resolve, reject) => {
    child.once('exit', (code) => {
      unregister();
      rejectStart(new Error(`the load generator exited with ${code} before it started`));
      if (finished) resolve({ seconds, ...finished });
      else reject(new Error(`the load generator exited with ${code} before it was done`));
    });
  });
  return { startedAt, done };
}

/** Calls answered with `status` in the given seconds. */
export function countStatus(seconds: LoadSecond[], status: string): number {
  return seconds.reduce((total, s) => total + (s.statuses[status] ?? 0), 0);
}
