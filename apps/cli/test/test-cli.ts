import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import {
  createTestDatabase,
  createTestMongo,
  createTestRedis,
  repoRoot,
  type TestDatabase,
  type TestMongo,
  type TestRedis,
  testServices,
} from '@conveyor/testing';

/** The command under test, run from source exactly as `npm run conveyor` and the bin do. */
export const MAIN = path.join(repoRoot, 'apps', 'cli', 'src', 'main.ts');
/** The workspace bin (`conveyor`). */
export const BIN = path.join(repoRoot, 'apps', 'cli', 'bin', 'conveyor.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  result: Promise<CliResult>;
}

/**
 * Starts `conveyor <args>` as a child process (`node --import tsx apps/cli/src/main.ts`, or the
 * bin shim with `via: 'bin'`) with exactly `env` as its environment; SIGKILLed after `timeoutMs`.
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  { via = 'main', timeoutMs = 45_000, cwd = repoRoot }: { via?: 'main' | 'bin'; timeoutMs?: number; cwd?: string } = {},
): CliProcess {
  const argv = via === 'bin' ? [BIN, ...args] : ['--import', 'tsx', MAIN, ...args];
  const child = spawn(process.execPath, argv, { cwd, env: { NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<CliResult>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, result };
}

/** Runs `conveyor <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>, opts?: Parameters<typeof startCli>[2]): Promise<CliResult> {
  return startCli(args, env, opts).result;
}

/** Every line of NDJSON output, parsed (a line that is not JSON fails the test). */
export function ndjson<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export interface CliEnvironment {
  db: TestDatabase;
  redis: TestRedis;
  mongo: TestMongo | null;
  /** The environment the command (and any service a test starts) runs with. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A database, a queue prefix (and a MongoDB database with `mongo`) of this test file's own. */
export async function createCliEnvironment(label: string, { mongo = false }: { mongo?: boolean } = {}): Promise<CliEnvironment> {
  const [db, redis, logs] = await Promise.all([
    createTestDatabase(label),
    createTestRedis(label),
    mongo ? createTestMongo(label) : Promise.resolve(null),
  ]);
  return {
    db,
    redis,
    mongo: logs,
    env: {
      DATABASE_URL: db.url,
      REDIS_URL: testServices().redisUrl,
      QUEUE_PREFIX: redis.prefix,
      MONGO_URL: logs?.url ?? testServices().mongoUrl,
      LOG_LEVEL: 'warn',
    },
    async cleanup() {
      await Promise.allSettled([db.drop(), redis.cleanup(), logs?.drop()]);
    },
  };
}
