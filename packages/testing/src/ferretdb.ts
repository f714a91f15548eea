import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, ensureDatabase } from '@conveyor/db';
import { MongoClient } from 'mongodb';
import { freePort } from './harness';
import { testServices, uniqueSuffix, withDatabase } from './services';

export const FERRETDB_VERSION = 'v1.24.2';

export interface PrivateFerretDB {
  /** mongodb://127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** SIGTERM, and waits for the exit (SIGKILL after 10 s). The port stays reserved for `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers a ping. */
  start(): Promise<void>;
  /** Stops it, drops its PostgreSQL database and removes its state directory. */
  close(): Promise<void>;
  /** What the server printed so far (the last 64 KiB). */
  output(): string;
}

/**
 * A FerretDB of this test's own — a free port on 127.0.0.1, its own PostgreSQL database
 * (`ferretdb_test_<suffix>`) and state directory — for tests that stop and restart the MongoDB wire
 * server. Never stop the shared server on 27017: other test files use it.
 */
export async function startPrivateFerretDB({ database = 'conveyor' }: { database?: string } = {}): Promise<PrivateFerretDB> {
  const suffix = uniqueSuffix();
  const postgresUrl = postgresUrlFor(`ferretdb_test_${suffix}`);
  await ensureDatabase(postgresUrl);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'conveyor-ferretdb-'));
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}/${database}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    if (child) return;
    const started = spawn(
      ferretdbBinary(),
      [
        '--handler=postgresql',
        `--postgresql-url=${postgresUrl}`,
        `--listen-addr=127.0.0.1:${port}`,
        `--state-dir=${stateDir}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-format=text',
        '--log-level=WARN',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: unknown) => {
      output = (output + String(chunk)).slice(-65_536);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    child = started;
    exited = new Promise((resolve) =>
      started.once('exit', () => {
        if (child === started) child = null;
        resolve();
      }),
    );
    await waitUntilAnswering(
      url,
      () => child === started,
      () => output,
    );
  };

  const stop = async () => {
    const running = child;
    if (!running) return;
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (error) {
    await stop();
    await dropDatabase(postgresUrl);
    await rm(stateDir, { recursive: true, force: true });
    process.removeListener('exit', killOnExit);
    throw error;
  }

  return {
    url,
    port,
    stop,
    start,
    async close() {
      await stop();
      process.removeListener('exit', killOnExit);
      await dropDatabase(postgresUrl);
      await rm(stateDir, { recursive: true, force: true });
    },
    output: () => output,
  };
}

/** Where scripts/services/mongo.sh builds the binary. */
function ferretdbBinary(): string {
  // biome-ignore lint/style/noProcessEnv: the same tools directory scripts/services/mongo.sh uses; not app config
  const toolsDir = process.env.CONVEYOR_TOOLS_DIR || path.join(os.homedir(), '.cache', 'conveyor');
  return path.join(toolsDir, 'bin', `ferretdb-${FERRETDB_VERSION}`);
}

/** The test PostgreSQL server, another database, no query parameters (FerretDB's driver takes none of Prisma's). */
function postgresUrlFor(database: string): string {
  const parsed = new URL(withDatabase(testServices().databaseUrl, database));
  parsed.search = '';
  return parsed.toString();
}

async function waitUntilAnswering(url: string, alive: () => boolean, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`FerretDB exited during start-up:\n${output()}`);
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  throw new Error(`FerretDB did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
}
