import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expressionError, type TemplateContext } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import type { ExpressionBudget } from './expression-budget';
import type { ChildMessage, ExpressionRequest } from './expression-protocol';

/**
 * Where user expressions that are not plain field reads run: a few child processes, each evaluating
 * one step's templates at a time, so no expression can block the worker's event loop (its health
 * probe, its BullMQ lock renewals, the other tenants' steps).
 *
 * Processes, not worker threads: a thread's `resourceLimits` only bound gradual heap growth. One
 * large allocation in a thread (`$length($pad("", 5e8))` flattens a 500 MB string) or an array past
 * V8's size limit (`$split` of a long string) is a fatal V8 error that aborts the whole process,
 * and every tenant's steps with it; in a child process it ends only that child. The same holds for
 * pool libraries built on threads. A child is killed at its task's deadline (its step's
 * expression budget) and replaced on the next task; its heap is bounded by --max-old-space-size.
 */
export interface ExpressionPool {
  /** Evaluates a step's input or `if` in a child process within what is left of `budget`. */
  evaluate(task: ExpressionTask, budget: ExpressionBudget): Promise<unknown>;
  /** Starts every process; resolves once all of them are ready (else they start with the first tasks). */
  start(): Promise<void>;
  /** Kills the processes; a task still waiting or running is refused. */
  close(): Promise<void>;
}

export interface ExpressionTask {
  kind: 'input' | 'condition';
  stepKey: string;
  /** The input template as JSON, or the `if` source. */
  source: string;
  context: TemplateContext;
}

export interface ExpressionPoolOptions {
  processes: number;
  /** Heap of each process, in MB. */
  maxHeapMb: number;
  /** JSONata's own per-expression timeout inside a process: the step budget's upper bound. */
  timeoutMs: number;
  /** Bytes of JSON one task may answer with. */
  maxResultBytes: number;
}

interface Pending {
  request: ExpressionRequest;
  budget: ExpressionBudget;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** The field being evaluated, as the child last said. */
  path: string;
  startedAt?: number;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
}

interface Child {
  process: ChildProcess;
  ready: boolean;
  task?: Pending;
}

export function createExpressionPool(options: ExpressionPoolOptions): ExpressionPool {
  const children = new Set<Child>();
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;
  const whenAllReady: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  const allReady = () => children.size >= options.processes && [...children].every((child) => child.ready);
  // An idle process leaves when the worker's channel closes; a busy one cannot notice, so a worker
  // exiting without close() (its shutdown grace ran out) kills them. A killed worker cannot.
  const killAll = () => {
    for (const child of children) child.process.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const dispatch = () => {
    while (queue.length > 0) {
      const idle = [...children].find((child) => child.ready && !child.task);
      if (idle) start(idle, queue.shift() as Pending);
      else if (children.size < options.processes && ![...children].some((child) => !child.ready)) spawn();
      else return;
    }
  };

  const start = (child: Child, pending: Pending) => {
    const limitMs = pending.budget.leftMs();
    if (limitMs <= 0) return pending.reject(overBudget(pending));
    child.task = pending;
    pending.startedAt = performance.now();
    pending.timer = setTimeout(() => {
      pending.timedOut = true;
      child.process.kill('SIGKILL');
    }, limitMs);
    child.process.send(pending.request);
  };

  const finish = (child: Child, settle: (pending: Pending) => void) => {
    const pending = child.task;
    if (!pending) return;
    child.task = undefined;
    clearTimeout(pending.timer);
    pending.budget.charge(performance.now() - (pending.startedAt ?? performance.now()));
    settle(pending);
    dispatch();
  };

  const spawn = () => {
    const child: Child = { process: forkChild(options), ready: false };
    children.add(child);
    child.process.on('message', (message: ChildMessage) => onMessage(child, message));
    // A failed send or spawn: the process is of no more use, and its exit settles its task.
    child.process.on('error', () => child.process.kill('SIGKILL'));
    child.process.once('exit', (code, signal) => {
      children.delete(child);
      if (closed) return;
      const how = signal ?? `exit code ${code}`;
      if (!child.ready) return refuseAll('DEPENDENCY_UNAVAILABLE', `an expression process failed to start (${how})`);
      // Replaced at once, so the next step does not wait for a process to start.
      spawn();
      finish(child, (pending) => pending.reject(pending.timedOut ? overBudget(pending) : died(pending, options, code, signal)));
    });
  };

  const onMessage = (child: Child, message: ChildMessage) => {
    if (message.type === 'ready') {
      child.ready = true;
      if (allReady()) for (const waiter of whenAllReady.splice(0)) waiter.resolve();
      return dispatch();
    }
    if (child.task?.request.id !== message.id) return;
    if (message.type === 'field') child.task.path = message.path;
    else if (message.type === 'failed') finish(child, (pending) => pending.reject(failed(message)));
    else finish(child, (pending) => settleResult(pending, message.json, options.maxResultBytes));
  };

  const refuseAll = (code: 'INTERNAL' | 'DEPENDENCY_UNAVAILABLE', reason: string) => {
    const error = () => new ConveyorError({ code, message: reason });
    for (const pending of queue.splice(0)) pending.reject(error());
    for (const waiter of whenAllReady.splice(0)) waiter.reject(error());
  };

  const shutDown = (child: Child) => {
    const exited = new Promise((resolve) => child.process.once('exit', resolve));
    const running = child.task;
    child.task = undefined;
    clearTimeout(running?.timer);
    running?.reject(new ConveyorError({ code: 'INTERNAL', message: 'the worker is shutting down' }));
    child.process.kill('SIGKILL');
    return child.process.exitCode === null && child.process.signalCode === null ? exited : undefined;
  };

  return {
    evaluate(task, budget) {
      if (closed) return Promise.reject(new ConveyorError({ code: 'INTERNAL', message: 'the expression pool is closed' }));
      return new Promise((resolve, reject) => {
        if (budget.leftMs() <= 0)
          return reject(overBudget({ request: { stepKey: task.stepKey }, budget, path: task.kind === 'input' ? 'input' : 'if' }));
        const request: ExpressionRequest = { id: nextId++, ...task };
        queue.push({ request, budget, resolve, reject, path: task.kind === 'input' ? 'input' : 'if' });
        dispatch();
      });
    },
    start() {
      while (!closed && children.size < options.processes) spawn();
      if (allReady() || closed) return Promise.resolve();
      return new Promise((resolve, reject) => whenAllReady.push({ resolve, reject }));
    },
    async close() {
      closed = true;
      process.off('exit', killAll);
      for (const waiter of whenAllReady.splice(0)) waiter.resolve();
      refuseAll('INTERNAL', 'the worker is shutting down');
      await Promise.all([...children].map(shutDown));
    },
  };
}

function settleResult(pending: Pending, json: string | undefined, maxResultBytes: number): void {
  // A UTF-16 unit is at least one byte of JSON: a longer string is too large whatever it holds.
  if (json !== undefined && json.length > maxResultBytes) {
    pending.reject(expressionError(location(pending), `results are larger than ${maxResultBytes} bytes of JSON`));
  } else {
    pending.resolve(json === undefined ? undefined : JSON.parse(json));
  }
}

function overBudget(pending: Pick<Pending, 'budget' | 'path'> & { request: { stepKey: string } }): ConveyorError {
  const reason = `expressions ran past the step's expression budget (${pending.budget.totalMs} ms)`;
  return expressionError(location(pending), reason, undefined, { timedOut: true });
}

/** The child died while evaluating: out of memory, or past a limit of V8 that aborts the process. */
function died(pending: Pending, options: ExpressionPoolOptions, code: number | null, signal: string | null): ConveyorError {
  const how = signal ?? `exit code ${code}`;
  const reason = `expression exhausted its memory (${options.maxHeapMb} MB heap) or a size limit of the runtime (${how})`;
  return expressionError(location(pending), reason, undefined, { outOfMemory: true });
}

/** A problem the engine reported in the child, as it reported it (its message names the field). */
function failed(message: { message: string; details: Record<string, unknown> }): ConveyorError {
  return new ConveyorError({ code: 'VALIDATION_FAILED', message: message.message, details: message.details });
}

function location(pending: Pick<Pending, 'path'> & { request: { stepKey: string } }): { stepKey: string; path: string } {
  return { stepKey: pending.request.stepKey, path: pending.path };
}

/**
 * The child's entry next to this module: the TypeScript source under tsx and vitest, or the bundle
 * `npm run build` writes next to dist/main.js (expression-child.js), which plain node runs.
 */
const fromSource = import.meta.url.endsWith('.ts');
const childEntry = fileURLToPath(new URL(fromSource ? './expression-child.ts' : './expression-child.js', import.meta.url));

function forkChild(options: ExpressionPoolOptions): ChildProcess {
  const child = fork(childEntry, [String(options.timeoutMs)], {
    execArgv: [...(fromSource ? typeScriptLoader() : []), `--max-old-space-size=${options.maxHeapMb}`],
    serialization: 'advanced',
    // Nothing of the worker's environment (database URL, connection keys) reaches an expression.
    env: {},
    // A fatal V8 error prints pages of native stack: the step's error says what happened.
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  child.unref();
  child.channel?.unref();
  // On a busy machine the worker's own event loop (probes, lock renewals) gets the CPU first.
  try {
    if (child.pid !== undefined) setPriority(child.pid, 10);
  } catch {
    // gone already (its exit is handled) or not permitted: it runs at the worker's priority
  }
  return child;
}

/** The apps run TypeScript through tsx: the loader from node_modules, or the one this process was started with. */
function typeScriptLoader(): string[] {
  try {
    return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  } catch {
    const args = process.execArgv;
    return args.filter((arg, i) => arg.includes('tsx') || (/^--(import|require)$/.test(arg) && args[i + 1]?.includes('tsx')));
  }
}
