// The chaos suite's own PostgreSQL cluster, Redis and FerretDB: free ports on 127.0.0.1 (or `host` inside the
// network namespace `netns`, for the multi-host run), temp directories, killed by PID only, cleaned up on exit,
// failure and SIGINT/SIGTERM. The machine's services are never used.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@conveyor/testing';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { onCleanup, sleep, waitUntil } from './cleanup';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const FERRETDB_BIN = path.join(os.homedir(), '.cache', 'conveyor', 'bin', 'ferretdb-v1.24.2');

export interface Postgres {
  port: number;
  url(database: string): string;
  /** The postmaster's pid (from postmaster.pid), while it runs. */
  pid(): number | undefined;
  /** `pg_ctl restart -m fast`. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface Redis {
  port: number;
  url: string;
  pid(): number | undefined;
  /** SIGTERM (AOF kept, fsynced on shutdown), optionally delete the data directory, start again on the same port. */
  restart(opts?: { wipe?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Where a service listens: 127.0.0.1 in this namespace by default, or `host` inside the namespace `netns`. */
export interface Placement {
  netns?: string;
  host?: string;
}

/** `argv` run inside `netns` (`ip netns exec`, which execs: the pid stays the program's), or as is. */
export function inNetns(netns: string | undefined, argv: string[]): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
}

export interface FerretDB {
  port: number;
  pid(): number | undefined;
  url(database: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The chaos cluster's settings: durability off (a crash of the machine is not a scenario), many connections. */
const CHAOS_PG_SETTINGS = '-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off';

/**
 * A PostgreSQL 15 cluster run as the `postgres` user in a temp directory: trust auth, 127.0.0.1 only.
 * `settings` are extra `-c name=value` options (the chaos ones by default; '' leaves initdb's stock settings).
 */
export async function startPostgres({
  settings = CHAOS_PG_SETTINGS,
  label = 'chaos',
  netns,
  host = '127.0.0.1',
}: { settings?: string; label?: string } & Placement = {}): Promise<Postgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `conveyor-${label}-pg-`));
  const dataDir = path.join(dir, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  const port = await freePort();
  let stopped = false;
  const asPostgres = (cmd: string, args: string[]) => {
    const [program, ...rest] = inNetns(netns, ['runuser', '-u', 'postgres', '--', path.join(PG_BIN, cmd), ...args]);
    return execFileSync(program as string, rest, { stdio: 'pipe', timeout: 60_000 });
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      asPostgres('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate', '-w', '-t', '20']);
    } catch {
      killPostmaster(dataDir);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(`postgres :${port}`, stop);
  asPostgres('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  // On a namespace's own address, the other hosts on its subnet connect too (the namespace is private).
  if (netns) appendFileSync(path.join(dataDir, 'pg_hba.conf'), 'host all all samenet trust\n');
  const opts = `-p ${port} -k ${dir} -c listen_addresses=${host} ${settings}`.trim();
  asPostgres('pg_ctl', ['-D', dataDir, '-o', opts, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  return {
    port,
    url: (database) => `postgresql://postgres@${host}:${port}/${database}`,
    pid: () => postmasterPid(dataDir),
    async restart() {
      asPostgres('pg_ctl', [
        '-D',
        dataDir,
        '-o',
        opts,
        '-l',
        path.join(dir, 'server.log'),
        '-m',
        'fast',
        '-w',
        '-t',
        '30',
        'restart',
      ]);
    },
    stop,
  };
}

function postmasterPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

function killPostmaster(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
}

/** Runs `sql` on `database` of the cluster (a short-lived client). */
export async function sql(pgUrl: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The chaos Redis's persistence: AOF on, no RDB snapshots. */
const CHAOS_REDIS_ARGS = ['--appendonly', 'yes', '--save', ''];

/** `redis-server` with `args` (the chaos persistence by default; [] is the stock one), data in a temp directory. */
export async function startRedis({
  args = CHAOS_REDIS_ARGS,
  label = 'chaos',
  netns,
  host = '127.0.0.1',
}: { args?: string[]; label?: string } & Placement = {}): Promise<Redis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `conveyor-${label}-redis-`));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async () => {
    // Inside a namespace, the other hosts on its private subnet may connect: protected mode off there.
    const exposed = netns ? ['--protected-mode', 'no'] : [];
    const [program, ...rest] = inNetns(netns, [
      'redis-server',
      '--port',
      String(port),
      '--bind',
      host,
      '--dir',
      dir,
      ...exposed,
      ...args,
    ]);
    const started = spawn(program as string, rest, { stdio: 'ignore' });
    child = started;
    started.once('exit', () => {
      if (child === started) child = null;
    });
    await waitUntil(`redis :${port}`, 15_000, () => ping(host, port));
  };
  const halt = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(`redis :${port}`, async () => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  });
  await launch();
  return {
    port,
    url: `redis://${host}:${port}`,
    pid: () => (child as ChildProcess | null)?.pid,
    async restart({ wipe = false, downMs = 2_000 } = {}) {
      await halt();
      if (wipe) {
        rmSync(dir, { recursive: true, force: true });
        execFileSync('mkdir', ['-p', dir]);
      }
      await sleep(downMs);
      await launch();
    },
    stop: halt,
  };
}

async function ping(host: string, port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(String(data).startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** FerretDB 1.x (the binary scripts/services/mongo.sh builds) on the chaos cluster's `ferretdb` database. */
export async function startFerretDB(
  postgres: Postgres,
  { label = 'chaos', netns, host = '127.0.0.1' }: { label?: string } & Placement = {},
): Promise<FerretDB> {
  if (!existsSync(FERRETDB_BIN)) throw new Error(`${FERRETDB_BIN} is missing: run scripts/services/mongo.sh once`);
  await sql(postgres.url('postgres'), 'CREATE DATABASE ferretdb');
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `conveyor-${label}-ferretdb-`));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    if (child) return;
    const [program, ...rest] = inNetns(netns, [
      FERRETDB_BIN,
      '--handler=postgresql',
      `--postgresql-url=${postgres.url('ferretdb')}`,
      `--listen-addr=${host}:${port}`,
      `--state-dir=${stateDir}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=ERROR',
    ]);
    const started = spawn(program as string, rest, { stdio: 'ignore' });
    child = started;
    started.once('exit', () => {
      if (child === started) child = null;
    });
    await waitUntil(`ferretdb :${port}`, 30_000, async () => {
      const client = new MongoClient(`mongodb://${host}:${port}/admin`, { serverSelectionTimeoutMS: 500 });
      try {
        await client.db('admin').command({ ping: 1 });
        return true;
      } catch {
        return false;
      } finally {
        await client.close().catch(() => undefined);
      }
    });
  };
  const stop = async () => {
    const running = child;
    if (!running) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(`ferretdb :${port}`, async () => {
    await stop();
    rmSync(stateDir, { recursive: true, force: true });
  });
  await start();
  return {
    port,
    url: (database) => `mongodb://${host}:${port}/${database}`,
    pid: () => (child as ChildProcess | null)?.pid,
    stop,
    start,
  };
}
