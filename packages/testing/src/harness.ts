import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths';

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
 * Starts one of Conveyor's apps as a real process (`node --import tsx apps/<app>/src/main.ts`) with the given
 * environment, and waits until `readyUrl` answers 200.
 */
export async function startService(
  app: 'api' | 'worker' | 'board',
  env: Record<string, string>,
  { readyUrl, name = app, timeoutMs = 30_000 }: { readyUrl: string; name?: string; timeoutMs?: number },
): Promise<ServiceProcess> {
  // node with tsx's loader, not the tsx CLI: the CLI runs the app in a grandchild that a SIGKILL would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps', app, 'src', 'main.ts')], {
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
  await waitUntilReady(service, readyUrl, timeoutMs);
  return service;
}

async function waitUntilReady(service: ServiceProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited early:\n${service.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
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
