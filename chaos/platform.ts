// The platform under test: one api and N workers as real processes (node --import tsx apps/<app>/src/main.ts),
// started, killed by PID and replaced; each worker's RSS is sampled from /proc/<pid>/status.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, repoRoot } from '@conveyor/testing';
import { onCleanup, sleep } from './cleanup';

/** The lowered timings every chaos worker runs with (documented in CHAOS.md). */
export const CHAOS_WORKER_ENV = {
  WORKER_CONCURRENCY: '10',
  WORKER_LOCK_DURATION_MS: '4000',
  RECONCILER_INTERVAL_MS: '1000',
  RECONCILER_STALE_AFTER_MS: '3000',
  DATABASE_POOL_SIZE: '10',
};

export interface Endpoints {
  databaseUrl: string;
  redisUrl: string;
  mongoUrl: string;
  queuePrefix: string;
  /** CIDRs the workers may call (the local target). */
  allowPrivate: string;
}

export interface AppProcess {
  name: string;
  pid: number;
  port: number;
  startedAt: number;
  /** Exit code, or 128 + signal number for a signal death; null while alive. */
  exit(): number | null;
  exited: Promise<number>;
  output(): string;
  alive(): boolean;
}

export interface WorkerExit {
  name: string;
  signal: string;
  code: number;
  exitMs: number;
}

export class Platform {
  api!: AppProcess;
  workers: AppProcess[] = [];
  readonly exits: WorkerExit[] = [];
  readonly startFailures: string[] = [];
  peakWorkerRssMiB = 0;
  private counter = 0;
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    readonly endpoints: Endpoints,
    readonly workerCount = 2,
  ) {}

  async start(): Promise<void> {
    const port = await freePort();
    this.api = await startApp('api', 'api', { API_PORT: String(port) }, this.endpoints, port, `http://127.0.0.1:${port}/readyz`);
    for (let i = 0; i < this.workerCount; i++) this.workers.push(await this.startWorker());
    this.sampler = setInterval(() => this.sampleRss(), 500);
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.api.port}`;
  }

  /** A new worker; `netns` runs it inside that network namespace (`ip netns exec`), reached at `host`. */
  async startWorker(
    opts: { netns?: string; host?: string; endpoints?: Endpoints; readyTimeoutMs?: number } = {},
  ): Promise<AppProcess> {
    const port = await freePort();
    const host = opts.host ?? '127.0.0.1';
    const name = `worker-${++this.counter}`;
    const worker = await startApp(
      'worker',
      name,
      {
        WORKER_HEALTH_PORT: String(port),
        WORKER_HEALTH_HOST: host,
        HTTP_ALLOW_PRIVATE_NETWORKS: this.endpoints.allowPrivate,
        ...CHAOS_WORKER_ENV,
      },
      opts.endpoints ?? this.endpoints,
      port,
      `http://${host}:${port}/readyz`,
      opts.netns,
      opts.readyTimeoutMs,
    );
    return worker;
  }

  /** Signals a worker and waits for its exit (bounded); records the exit code and time to exit. */
  async signalWorker(worker: AppProcess, signal: NodeJS.Signals, timeoutMs = 60_000): Promise<WorkerExit> {
    const sentAt = Date.now();
    this.workers = this.workers.filter((w) => w !== worker);
    try {
      process.kill(worker.pid, signal);
    } catch {
      // already gone
    }
    const code = await Promise.race([worker.exited, sleep(timeoutMs).then(() => -1)]);
    if (code === -1) {
      process.kill(worker.pid, 'SIGKILL');
      await worker.exited;
    }
    const exit = { name: worker.name, signal, code: worker.exit() ?? -1, exitMs: Date.now() - sentAt };
    this.exits.push(exit);
    return exit;
  }

  /** Kills (or terminates) `worker` and starts its replacement at once; resolves once both are done. */
  async replace(worker: AppProcess, signal: NodeJS.Signals): Promise<WorkerExit> {
    const replacement = this.startWorker().then((w) => {
      this.workers.push(w);
    });
    const exit = await this.signalWorker(worker, signal);
    await replacement.catch((error: unknown) => {
      this.startFailures.push(String(error).slice(0, 300));
    });
    return exit;
  }

  /** A worker that is running and not being stopped, chosen at random. */
  pickWorker(): AppProcess | undefined {
    const alive = this.workers.filter((w) => w.alive());
    return alive[Math.floor(Math.random() * alive.length)];
  }

  /** Every process stopped: SIGTERM with a 30 s bound, then SIGKILL. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all(
      [...this.workers, this.api].filter(Boolean).map(async (p) => {
        if (!p.alive()) return;
        process.kill(p.pid, 'SIGTERM');
        const code = await Promise.race([p.exited, sleep(30_000).then(() => -1)]);
        if (code === -1 && p.alive()) process.kill(p.pid, 'SIGKILL');
        await p.exited;
      }),
    );
    this.workers = [];
  }

  private sampleRss(): void {
    for (const worker of this.workers) {
      const mib = rssMiB(worker.pid);
      if (mib > this.peakWorkerRssMiB) this.peakWorkerRssMiB = mib;
    }
  }
}

export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/**
 * `node --import tsx apps/<app>/src/main.ts` (or the build's `dist/main.js`) with the endpoints' environment and `extra`; killed on cleanup
 * from the moment it is spawned; resolves once `readyUrl` answers 200.
 */
export async function startApp(
  app: 'api' | 'worker',
  name: string,
  extra: Record<string, string>,
  endpoints: Endpoints,
  port: number,
  readyUrl: string,
  netns?: string,
  readyTimeoutMs = 60_000,
  runtime: 'tsx' | 'dist' = 'tsx',
): Promise<AppProcess> {
  const argv =
    runtime === 'dist'
      ? [process.execPath, '--enable-source-maps', path.join(repoRoot, 'apps', app, 'dist', 'main.js')]
      : [process.execPath, '--import', 'tsx', path.join(repoRoot, 'apps', app, 'src', 'main.ts')];
  const command = netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), {
    cwd: repoRoot,
    env: {
      // biome-ignore lint/style/noProcessEnv: the child needs this process's PATH, nothing else of its environment
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: endpoints.databaseUrl,
      REDIS_URL: endpoints.redisUrl,
      MONGO_URL: endpoints.mongoUrl,
      QUEUE_PREFIX: endpoints.queuePrefix,
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const pid = child.pid;
  let output = '';
  const keep = (chunk: unknown) => {
    output = (output + String(chunk)).slice(-32_768);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null = null;
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? 128 + signalNumber(signal);
      resolve(exitCode);
    }),
  );
  const unregister = onCleanup(name, () => {
    if (exitCode === null) child.kill('SIGKILL');
  });
  void exited.then(unregister);
  const proc: AppProcess = {
    name,
    pid,
    port,
    startedAt: Date.now(),
    exit: () => exitCode,
    exited,
    output: () => output,
    alive: () => exitCode === null,
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new Error(`${name} exited with ${exitCode} during start-up:\n${output.slice(-2_000)}`);
    try {
      if ((await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) })).ok) return proc;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`${name} not ready at ${readyUrl} within ${readyTimeoutMs} ms (killed):\n${output.slice(-2_000)}`);
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 0;
}
