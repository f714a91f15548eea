import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from '@conveyor/testing';

const run = promisify(execFile);

export interface LocalRedisCluster {
  /** REDIS_URL for Conveyor: every master as a starting node. */
  url: string;
  ports: number[];
  /** How many keys each master holds, by port. */
  keysByNode(): Promise<Map<number, number>>;
  /** Stops the servers this cluster started (by their pids) and removes their directories. */
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` masters (no replicas) on free ports of 127.0.0.1, each `redis-server` a
 * child of this process with a directory of its own, nothing persisted. A failed start stops what it started.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const root = await mkdtemp(path.join(tmpdir(), 'conveyor-redis-cluster-'));
  const servers: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(servers.map(stopServer));
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      const server = await spawnServer(root, port, busPort);
      servers.push(server);
      ports.push(port);
      await until(`redis-server on port ${port} answers`, () => cli(port, 'ping').then((answer) => answer === 'PONG'), server);
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const [i, port] of ports.entries()) {
      const ok = () => cli(port, 'cluster', 'info').then((info) => info.includes('cluster_state:ok'));
      await until(`the cluster is ok on port ${port}`, ok, servers[i] as ChildProcess);
    }
    return {
      url: `redis-cluster://${nodes.join(',')}`,
      ports,
      async keysByNode() {
        return new Map(await Promise.all(ports.map(async (port) => [port, Number(await cli(port, 'dbsize'))] as const)));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function spawnServer(root: string, port: number, busPort: number): Promise<ChildProcess> {
  const dir = path.join(root, String(port));
  await mkdir(dir);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes'];
  args.push('--cluster-port', String(busPort), '--cluster-config-file', path.join(dir, 'nodes.conf'));
  args.push('--save', '', '--appendonly', 'no');
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  server.on('error', () => undefined); // not started (no redis-server): `until` says so
  return server;
}

/** Waits up to 15 s for `check`; throws naming `what` when it never holds or the server exits. */
async function until(what: string, check: () => Promise<boolean>, server: ChildProcess): Promise<void> {
  const holds = await waitFor(
    () => check().catch(() => false),
    (held) => held || server.exitCode !== null,
    15_000,
  );
  if (!holds) throw new Error(`${what}: not within 15 s (redis-server exit code ${server.exitCode})`);
}

async function cli(port: number, ...command: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...command]);
  return stdout.trim();
}

/** SIGTERM to the server's own pid, SIGKILL after 5 s. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
