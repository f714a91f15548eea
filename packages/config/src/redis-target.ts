import { invalidConfig } from './invalid-config';

/** A node of a Redis Cluster, as given in REDIS_URL. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Conveyor's Redis is, from REDIS_URL: one server (`redis://`, `rediss://`, as ioredis reads them),
 * or a Redis Cluster (`redis-cluster://[user:password@]host:port[,host:port…]`, `rediss-cluster://` over TLS):
 * the nodes to start from (the client learns the others from them) and what every node is reached with.
 */
export type RedisTarget =
  | { cluster: false; url: string }
  | { cluster: true; nodes: RedisNode[]; username: string | undefined; password: string | undefined; tls: boolean };

const CLUSTER_SCHEMES = { 'redis-cluster': false, 'rediss-cluster': true } as const;

/** The target REDIS_URL names; INVALID_CONFIG naming REDIS_URL when it names none. */
export function redisTarget(url: string): RedisTarget {
  const target = parseRedisTarget(url);
  if ('problem' in target) throw invalidConfig([`REDIS_URL: ${target.problem}`]);
  return target;
}

/** The target REDIS_URL names, or what is wrong with it. */
export function parseRedisTarget(url: string): RedisTarget | { problem: string } {
  const scheme = url.slice(0, url.indexOf('://'));
  if (!(scheme in CLUSTER_SCHEMES)) return { cluster: false, url };
  const tls = CLUSTER_SCHEMES[scheme as keyof typeof CLUSTER_SCHEMES];
  const rest = url.slice(scheme.length + 3).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? `redis://${rest.slice(0, at)}@host` : null;
  if (userinfo && !URL.canParse(userinfo)) return { problem: 'its user and password do not parse' };
  const credentials = userinfo ? new URL(userinfo) : null;
  const nodes: RedisNode[] = [];
  for (const node of rest.slice(at + 1).split(',')) {
    const parsed = URL.canParse(`redis://${node}`) ? new URL(`redis://${node}`) : null;
    if (!parsed?.hostname || !parsed.port || parsed.host !== node)
      return { problem: `cluster node "${node}" is not host:port (redis-cluster://[user:password@]host:port[,host:port…])` };
    nodes.push({ host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port) });
  }
  return {
    cluster: true,
    nodes,
    username: credentials?.username ? decodeURIComponent(credentials.username) : undefined,
    password: credentials?.password ? decodeURIComponent(credentials.password) : undefined,
    tls,
  };
}

/**
 * The hash tag of a key prefix: the text between its first `{` and the next `}`, when not empty. Redis Cluster
 * hashes only that part of a key, so every key under a hash-tagged prefix lives in one slot.
 */
export function hashTagOf(prefix: string): string | null {
  const open = prefix.indexOf('{');
  const close = prefix.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? prefix.slice(open + 1, close) : null;
}
