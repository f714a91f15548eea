import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths';

/** What runs an app: its TypeScript source under tsx, or the build in its dist/. */
export type AppRuntime = 'tsx' | 'dist';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends a signal and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts one of Conveyor's apps as a real process with the given environment, and waits until
 * `readyUrl` answers 200 (polled every `pollMs`). `runtime` picks what runs: the TypeScript source
 * under tsx's loader (`node --import tsx apps/<app>/src/main.ts`, the default), or the production
 * build (`node --enable-source-maps apps/<app>/dist/main.js`, written by `npm run build`).
 */
export async function startService(
  app: 'api' | 'worker' | 'board' | 'console',
  env: Record<string, string>,
  {
    readyUrl,
    name = app,
    timeoutMs = 30_000,
    runtime = 'tsx',
    pollMs = 200,
  }: { readyUrl: string; name?: string; timeoutMs?: number; runtime?: AppRuntime; pollMs?: number },
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, runtimeArgs(app, runtime), {
    cwd: repoRoot,
    // biome-ignore lint/style/noProcessEnv: the child needs this process's PATH, nothing else of its environment
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const service: ServiceProcess = {
    name,
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  await waitUntilReady(service, readyUrl, timeoutMs, pollMs);
  return service;
}

/** Node's arguments for an app: node with tsx's loader, not the tsx CLI, which would run the app in a grandchild that a SIGKILL would miss. */
function runtimeArgs(app: string, runtime: AppRuntime): string[] {
  if (runtime === 'dist') return ['--enable-source-maps', path.join(repoRoot, 'apps', app, 'dist', 'main.js')];
  return ['--import', 'tsx', path.join(repoRoot, 'apps', app, 'src', 'main.ts')];
}

async function waitUntilReady(service: ServiceProcess, url: string, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited early:\n${service.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  await service.stop('SIGKILL');
  throw new Error(`${service.name} was not ready at ${url} within ${timeoutMs} ms:\n${service.output()}`);
}

/** A free TCP port on 127.0.0.1 for a child process to listen on. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
