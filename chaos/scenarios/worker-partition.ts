import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { onCleanup, sleep } from '../cleanup';
import type { Scenario } from '../suite';

const HOST_IP = '10.231.77.1';
const NS_IP = '10.231.77.2';
const id = process.pid % 100_000;
const NETNS = `chaos${id}`;
const VETH_HOST = `chvh${id}`;
const VETH_NS = `chvn${id}`;

/**
 * A third worker runs inside a network namespace joined to the host by a veth pair; it reaches the suite's
 * services through TCP forwarders on the host end. Cutting the link (host end down) partitions it for 20 s.
 */
export const workerPartition: Scenario = {
  name: 'worker-partition',
  description:
    'A third worker runs in a network namespace (veth to the host, TCP forwarders to the services); 8 s into the load its link is cut for 20 s, then restored.',
  perSecond: (runs) => Math.max(1, runs / 40),
  async prepare(services) {
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });
    onCleanup(`netns ${NETNS}`, () => {
      for (const args of [
        ['link', 'del', VETH_HOST],
        ['netns', 'del', NETNS],
      ]) {
        try {
          ip(...args);
        } catch {
          // already gone
        }
      }
    });
    ip('netns', 'add', NETNS);
    ip('link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_NS);
    ip('link', 'set', VETH_NS, 'netns', NETNS);
    ip('addr', 'add', `${HOST_IP}/30`, 'dev', VETH_HOST);
    ip('link', 'set', VETH_HOST, 'up');
    ip('netns', 'exec', NETNS, 'ip', 'addr', 'add', `${NS_IP}/30`, 'dev', VETH_NS);
    ip('netns', 'exec', NETNS, 'ip', 'link', 'set', VETH_NS, 'up');
    ip('netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up');
    for (const port of [services.postgres.port, services.redis.port, services.ferret.port]) await forward(HOST_IP, port);
    return { targetHost: HOST_IP, endpoints: { allowPrivate: `127.0.0.1/32,${HOST_IP}/32` } };
  },
  async fault(ctx) {
    const via = (url: string) => url.replace('127.0.0.1', HOST_IP);
    const endpoints = {
      ...ctx.endpoints,
      databaseUrl: via(ctx.endpoints.databaseUrl),
      redisUrl: via(ctx.endpoints.redisUrl),
      mongoUrl: via(ctx.endpoints.mongoUrl),
    };
    const worker = await ctx.platform.startWorker({ netns: NETNS, host: NS_IP, endpoints });
    ctx.platform.workers.push(worker);
    ctx.details.partitionedWorker = worker.name;
    await sleep(8_000);
    const callsBefore = ctx.target.calls.length;
    execFileSync('ip', ['link', 'set', VETH_HOST, 'down']);
    await sleep(20_000);
    execFileSync('ip', ['link', 'set', VETH_HOST, 'up']);
    ctx.details.callsDuringPartition = ctx.target.calls.length - callsBefore;
    await sleep(10_000);
    const ready = await fetch(`http://${NS_IP}:${worker.port}/readyz`, { signal: AbortSignal.timeout(5_000) })
      .then((r) => String(r.status))
      .catch((error: Error) => error.name);
    ctx.details.partitionedWorkerReadyz10sAfter = ready;
    ctx.details.partitionedWorkerAlive = worker.alive();
    ctx.note(`Partitioned worker ${worker.alive() ? 'alive' : 'dead'}, /readyz ${ready} 10 s after the link came back.`);
  },
};

/** Listens on `host:port` and pipes each connection to 127.0.0.1:port. */
async function forward(host: string, port: number): Promise<void> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.once('error', end).once('close', end);
    outbound.once('error', end).once('close', end);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  onCleanup(`forwarder ${host}:${port}`, async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
}
