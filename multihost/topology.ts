// The simulated hosts: one bridge in the root namespace and one network namespace per host, each joined to
// the bridge by a veth pair and given an address on the bridge's /24. Everything is named with this
// process's pid (parallel runs do not collide) and deleted on cleanup; an undo is registered before each create.
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { onCleanup } from '../chaos/cleanup';

export type HostName = 'db' | 'api' | 'w1' | 'w2';

export interface Host {
  name: HostName;
  /** The network namespace. */
  netns: string;
  /** The address on the bridge's /24. */
  ip: string;
  /** The veth end attached to the bridge (in the root namespace): down cuts the host off. */
  vethHost: string;
  vethNs: string;
}

export interface Topology {
  bridge: string;
  /** The bridge's own address: the root namespace (load generator and target) on the /24. */
  bridgeIp: string;
  subnet: string;
  hosts: Record<HostName, Host>;
}

const execFileAsync = promisify(execFile);

const OCTETS: Record<HostName, number> = { db: 10, api: 20, w1: 31, w2: 32 };

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 }).toString();
}

function quietly(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

export function planTopology(pid = process.pid): Topology {
  const id = pid % 100_000;
  // 10.233.<x>.0/24 with x from the pid: two runs at once rarely share a subnet (names never collide).
  const x = 100 + (pid % 150);
  const subnet = `10.233.${x}.0/24`;
  const hosts = {} as Record<HostName, Host>;
  for (const name of Object.keys(OCTETS) as HostName[]) {
    hosts[name] = {
      name,
      netns: `cvmh${id}${name}`,
      ip: `10.233.${x}.${OCTETS[name]}`,
      vethHost: `cvh${id}${name}`,
      vethNs: `cvn${id}${name}`,
    };
  }
  return { bridge: `cvmh${id}`, bridgeIp: `10.233.${x}.1`, subnet, hosts };
}

/** The bridge, then every host; the caller's cleanup deletes them in reverse. */
export function createTopology(topology: Topology): void {
  const { bridge, bridgeIp } = topology;
  onCleanup(`bridge ${bridge}`, () => quietly('link', 'del', bridge));
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${bridgeIp}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  for (const host of Object.values(topology.hosts)) createHost(topology, host);
}

/** One host: its namespace, its veth pair on the bridge, its address, `lo` up. */
export function createHost(topology: Topology, host: Host): void {
  onCleanup(`netns ${host.netns}`, () => deleteHost(host));
  ip('netns', 'add', host.netns);
  ip('link', 'add', host.vethHost, 'type', 'veth', 'peer', 'name', host.vethNs);
  ip('link', 'set', host.vethNs, 'netns', host.netns);
  ip('link', 'set', host.vethHost, 'master', topology.bridge);
  ip('link', 'set', host.vethHost, 'up');
  const inNs = (...args: string[]) => ip('netns', 'exec', host.netns, 'ip', ...args);
  inNs('addr', 'add', `${host.ip}/24`, 'dev', host.vethNs);
  inNs('link', 'set', host.vethNs, 'up');
  inNs('link', 'set', 'lo', 'up');
}

/** Deletes the host's veth pair (both ends go) and its namespace. */
export function deleteHost(host: Host): void {
  quietly('link', 'del', host.vethHost);
  quietly('netns', 'del', host.netns);
}

/** Cuts the host off the network (its bridge-side veth down), or brings it back. */
export function setLink(host: Host, up: boolean): void {
  ip('link', 'set', host.vethHost, up ? 'up' : 'down');
}

/**
 * Routing check before any service starts (the machine has no ping): a listener on the bridge address, and
 * from every host a TCP connect to it (bash's /dev/tcp, 3 s); a handshake proves both directions.
 */
export async function checkRouting(topology: Topology): Promise<string[]> {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, topology.bridgeIp, resolve));
  const port = (server.address() as net.AddressInfo).port;
  const checked: string[] = [];
  try {
    for (const host of Object.values(topology.hosts)) {
      const probe = `exec 3<>/dev/tcp/${topology.bridgeIp}/${port}`;
      await execFileAsync('ip', ['netns', 'exec', host.netns, 'timeout', '3', 'bash', '-c', probe], { timeout: 10_000 });
      checked.push(`${host.name} (${host.ip}) → ${topology.bridgeIp}:${port}`);
    }
  } finally {
    server.close();
  }
  return checked;
}

/** A TCP connect to `host:port` (from this namespace), bounded. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
