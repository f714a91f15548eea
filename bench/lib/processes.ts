import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type AppRuntime, freePort, type ServiceProcess, startService } from '@conveyor/testing';
import { ensureBuilt } from './build';
import type { BenchEnvironment } from './environment';
import { POOL_SIZE } from './environment';

/** Jobs one worker process runs at once, per queue (WORKER_CONCURRENCY), and the raw baselines' default. */
export const WORKER_CONCURRENCY = 20;
/** The Mongo database (a label of the bench environment) every Conveyor worker writes its execution logs to. */
export const WORKER_LOG_DATABASE = 'logs';

export interface WorkerProcess {
  name: string;
  pid: number;
  service: ServiceProcess;
  /** V8 heap in use, MiB, from the worker's own /metrics (nodejs_heap_size_used_bytes). */
  heapUsedMiB(): Promise<number>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** LOG_LEVEL of the worker; `warn` by default, so pino's per-job info lines do not weigh on the figures. */
  logLevel?: string;
  /** NODE_OPTIONS of the worker, e.g. `--require ./bench/tools/cpu-profile.cjs` to profile it. */
  nodeOptions?: string;
  /** Environment variables set over the benchmark's own (e.g. WORKER_CONCURRENCY), or removed when undefined, so the default applies. */
  env?: Record<string, string | undefined>;
  /** What runs the worker: its TypeScript source under tsx (the default), or the build (`npm run build` first). */
  runtime?: AppRuntime;
  /** How often /readyz is polled while it starts (200 ms by default), and for how long (60 s). */
  readyPollMs?: number;
  readyTimeoutMs?: number;
}

/** A real Conveyor worker (`apps/worker/src/main.ts`, or its build) on the benchmark's database, prefix and log store. */
export async function startConveyorWorker(
  env: BenchEnvironment,
  name: string,
  options: WorkerOptions = {},
): Promise<WorkerProcess> {
  const port = await freePort();
  const workerEnv: Record<string, string | undefined> = {
    DATABASE_URL: env.databaseUrl,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    // One log database for every worker, as in a deployment (the store creates only missing indexes).
    MONGO_URL: env.mongoDb(WORKER_LOG_DATABASE).url,
    WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
    WORKER_HEALTH_PORT: String(port),
    WORKER_SHUTDOWN_GRACE_MS: '10000',
    LOG_LEVEL: options.logLevel ?? 'warn',
    // The I/O-bound scaling workflow calls a local server.
    HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32',
    ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
    ...options.env,
  };
  if ((options.runtime ?? 'dist') === 'dist') await ensureBuilt();
  const service = await startService(
    'worker',
    Object.fromEntries(Object.entries(workerEnv).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    {
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      name,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      runtime: options.runtime ?? 'dist',
      pollMs: options.readyPollMs,
    },
  );
  const pid = service.child.pid;
  if (pid === undefined) throw new Error(`${name} has no pid`);
  return {
    name,
    pid,
    service,
    async heapUsedMiB() {
      try {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
        const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(metrics);
        return match ? Number(match[1]) / 1024 / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    async stop() {
      const code = await service.stop('SIGTERM', 15_000);
      if (code !== 0) console.error(`${name} exited with ${code}:\n${service.output().slice(-4000)}`);
    },
  };
}

/** A `--worker-runtime=` flag's value: `dist` (the default: the production build) or `tsx`. */
export function parseRuntime(value = 'dist'): AppRuntime {
  if (value === 'tsx' || value === 'dist') return value;
  throw new Error(`--worker-runtime must be tsx or dist, not "${value}"`);
}

/** Resident set size of a process in MiB (VmRSS), or NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The processes whose parent is `pid` (a worker's expression processes). */
export function childPids(pid: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      // The parent's pid is the second field after the command name, which may contain spaces.
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      return parent === pid ? [Number(entry)] : [];
    } catch {
      return []; // exited meanwhile
    }
  });
}

/** CPU time (user + system) a process has used so far, in ms, or NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may contain spaces): state is [0], utime [11], stime [12].
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SEC = 100;

/** Samples the RSS of some processes every `everyMs` and keeps each one's peak. */
export function sampleRss(pids: number[], everyMs = 100) {
  const peaks = new Map<number, number>(pids.map((pid) => [pid, 0]));
  const sample = () => {
    for (const pid of pids) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rssMiB(pid) || 0));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): Map<number, number> {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** Messages between the benchmark and a raw baseline worker (bench/children/raw-worker.ts). */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; processed: number; elapsedMs: number }
  | { type: 'report'; firstStartMs: number[]; handoffMs: number[] };

export interface RawWorkerOptions {
  mode: 'core-loop' | 'noop' | 'chain';
  queue: string;
  concurrency: number;
}

/** What the raw worker process is given as argv[2]. */
export interface RawWorkerArgs extends RawWorkerOptions {
  databaseUrl: string;
  poolSize: number;
  redisUrl: string;
  prefix: string;
}

export interface RawWorker {
  pid: number;
  send(message: object): void;
  next<T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>>;
  stop(): Promise<void>;
}

/** A raw BullMQ worker in its own process, like a Conveyor worker, so the comparison is fair. */
export async function startRawWorker(env: BenchEnvironment, options: RawWorkerOptions): Promise<RawWorker> {
  const args: RawWorkerArgs = {
    ...options,
    databaseUrl: env.databaseUrl,
    poolSize: POOL_SIZE,
    redisUrl: env.redisUrl,
    prefix: env.queuePrefix,
  };
  const child: ChildProcess = fork(path.join(import.meta.dirname, '..', 'children', 'raw-worker.ts'), [JSON.stringify(args)], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: ChildMessage[] = [];
  const waiters: (() => void)[] = [];
  child.on('message', (message) => {
    inbox.push(message as ChildMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = async <T extends ChildMessage['type']>(type: T, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = inbox.findIndex((message) => message.type === type);
      if (index >= 0) return inbox.splice(index, 1)[0] as Extract<ChildMessage, { type: T }>;
      if (child.exitCode !== null) throw new Error(`raw worker (${options.mode}) exited with ${child.exitCode}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`raw worker (${options.mode}): no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  const worker: RawWorker = {
    pid: child.pid ?? -1,
    send: (message) => child.send(message),
    next,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await next('ready', 30_000);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

/** The shared services whose CPU a round is charged for, by the command name of their processes. */
const SERVICES = { postgres: 'postgres', redis: 'redis-server', mongo: 'ferretdb' } as const;
export type ServiceCpu = Record<keyof typeof SERVICES, number>;

/** CPU (ms) each service process alive now has used so far, by pid. */
export type ServiceSnapshot = Map<number, { service: keyof ServiceCpu; cpuMs: number }>;

export function serviceSnapshot(): ServiceSnapshot {
  const snapshot: ServiceSnapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const service = (Object.keys(SERVICES) as (keyof ServiceCpu)[]).find((name) => comm.startsWith(SERVICES[name]));
    if (service) snapshot.set(Number(entry), { service, cpuMs: cpuMs(Number(entry)) || 0 });
  }
  return snapshot;
}

/**
 * CPU the service processes used between two snapshots, by service: the growth of those alive
 * before and after, and all of those started in between. A process that exited in between (a
 * PostgreSQL backend whose pooled connection was closed) is missing: the figure is a floor.
 */
export function serviceCpuBetween(before: ServiceSnapshot, after: ServiceSnapshot): ServiceCpu {
  const totals: ServiceCpu = { postgres: 0, redis: 0, mongo: 0 };
  for (const [pid, now] of after) totals[now.service] += now.cpuMs - (before.get(pid)?.cpuMs ?? 0);
  return totals;
}
