import { isConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import { loadApiConfig, loadWorkerConfig, redisTarget } from './index';
import { hashTagOf } from './redis-target';

function invalidConfigMessage(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (isConveyorError(error) && error.code === 'INVALID_CONFIG') return error.message;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('has working defaults for local development', () => {
    const config = loadApiConfig({});
    expect(config.database.url).toBe('postgresql://postgres@127.0.0.1:5432/conveyor');
    expect(config.http.port).toBe(3000);
    expect(config.redis.queuePrefix).toBe('conveyor');
    expect(loadWorkerConfig({}).concurrency).toBe(10);
    expect(config.admission).toEqual({ maxBacklog: 1_000, retryAfterSeconds: 1 });
  });

  it('reads the backlog bound and refuses one that is not a positive integer', () => {
    expect(loadApiConfig({ TENANT_MAX_BACKLOG: '50', TENANT_BACKLOG_RETRY_AFTER_SECONDS: '5' }).admission).toEqual({
      maxBacklog: 50,
      retryAfterSeconds: 5,
    });
    expect(invalidConfigMessage(() => loadApiConfig({ TENANT_MAX_BACKLOG: '0' }))).toContain('TENANT_MAX_BACKLOG');
  });

  it('coerces numbers and freezes the result', () => {
    const config = loadWorkerConfig({ WORKER_CONCURRENCY: '25', DATABASE_POOL_SIZE: '4' });
    expect(config.concurrency).toBe(25);
    expect(config.database.poolSize).toBe(4);
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it('sizes the worker’s pool from its concurrency (two queues, one connection per job) unless DATABASE_POOL_SIZE is set', () => {
    expect(loadWorkerConfig({}).database.poolSize).toBe(22);
    expect(loadWorkerConfig({ WORKER_CONCURRENCY: '50' }).database.poolSize).toBe(40); // capped: 102 would pass max_connections' default
    expect(loadWorkerConfig({ WORKER_CONCURRENCY: '50', DATABASE_POOL_SIZE: '30' }).database.poolSize).toBe(30);
    expect(loadApiConfig({}).database.poolSize).toBe(10);
    expect(invalidConfigMessage(() => loadWorkerConfig({ DATABASE_POOL_SIZE: '0' }))).toContain('DATABASE_POOL_SIZE');
  });

  it('names every bad variable in one error', () => {
    const message = invalidConfigMessage(() =>
      loadApiConfig({ API_PORT: 'eighty', REDIS_URL: 'http://nope', LOG_LEVEL: 'loud' }),
    );
    expect(message).toContain('API_PORT');
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('LOG_LEVEL');
  });

  it('refuses development secrets in production', () => {
    const message = invalidConfigMessage(() => loadApiConfig({ NODE_ENV: 'production' }));
    expect(message).toContain('CONVEYOR_HOOK_SECRET');
    expect(message).toContain('CONNECTION_KEYS');
    expect(message).toContain('AUTH_JWT_SECRET');
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadApiConfig({
      NODE_ENV: 'production',
      CONVEYOR_HOOK_SECRET: 'a-real-secret-of-length',
      CONNECTION_KEYS: `k1:${key},k0:${key}`,
      AUTH_JWT_SECRET: 'a-production-jwt-secret-of-32-chars!',
      API_INTERNAL_PORT: '3100',
    });
    expect(config.hasura.hookSecret).toBe('a-real-secret-of-length');
    expect(config.http.internal).toEqual({ host: '127.0.0.1', port: 3100 });
    expect(config.connections.activeKeyId).toBe('k1');
    expect(invalidConfigMessage(() => loadApiConfig({ CONNECTION_KEYS: 'k1' }))).toContain('CONNECTION_KEYS');
  });
});

describe('api listeners', () => {
  it('serves everything on one port in development, and requires the internal port in production', () => {
    expect(loadApiConfig({}).http.internal).toBeNull();
    const key = Buffer.alloc(32, 7).toString('base64');
    const production = {
      NODE_ENV: 'production',
      CONVEYOR_HOOK_SECRET: 'a-real-secret-of-length',
      CONNECTION_KEYS: `k1:${key}`,
      AUTH_JWT_SECRET: 'a-production-jwt-secret-of-32-chars!',
    };
    expect(invalidConfigMessage(() => loadApiConfig(production))).toContain('API_INTERNAL_PORT: must be set in production');
  });
});

describe('api behind a proxy', () => {
  it('reads API_TRUST_PROXY as addresses and CIDRs, and names a bad entry', () => {
    expect(loadApiConfig({}).http.trustedProxies).toEqual([]);
    expect(loadApiConfig({ API_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).http.trustedProxies).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
    ]);
    for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.1/8/1'])
      expect(() => loadApiConfig({ API_TRUST_PROXY: bad }), bad).toThrow(/API_TRUST_PROXY/);
  });
});

describe('worker config', () => {
  it('parses the outbound allowlist as CIDRs and names a bad one', () => {
    expect(loadWorkerConfig({ HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32, ::1/128' }).actions.allowPrivateNetworks).toEqual([
      '127.0.0.1/32',
      '::1/128',
    ]);
    expect(loadWorkerConfig({}).actions.allowPrivateNetworks).toEqual([]);
    expect(invalidConfigMessage(() => loadWorkerConfig({ HTTP_ALLOW_PRIVATE_NETWORKS: 'localhost' }))).toContain(
      'HTTP_ALLOW_PRIVATE_NETWORKS',
    );
  });
});

describe('REDIS_URL', () => {
  it('names one server as ioredis reads it', () => {
    expect(redisTarget('rediss://:secret@redis.internal:6380/2')).toEqual({
      cluster: false,
      url: 'rediss://:secret@redis.internal:6380/2',
    });
  });

  it('names a cluster by its starting nodes, with the credentials and TLS of every node', () => {
    expect(redisTarget('redis-cluster://10.0.0.1:7000,redis-b:7001,[::1]:7002/')).toEqual({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(redisTarget('rediss-cluster://app:p%40ss@a:7000')).toMatchObject({ username: 'app', password: 'p@ss', tls: true });
  });

  it('refuses a cluster node that is not host:port, naming REDIS_URL', () => {
    for (const url of ['redis-cluster://a:7000,b', 'redis-cluster://a:7000,,b:7001', 'redis-cluster://a:7000/0']) {
      expect(invalidConfigMessage(() => loadWorkerConfig({ REDIS_URL: url, QUEUE_PREFIX: '{conveyor}' }))).toContain('REDIS_URL');
    }
  });

  it('refuses a cluster whose QUEUE_PREFIX has no hash tag: multi-key scripts need one slot', () => {
    const cluster = 'redis-cluster://127.0.0.1:7000';
    expect(invalidConfigMessage(() => loadApiConfig({ REDIS_URL: cluster }))).toContain('QUEUE_PREFIX: must hold a {hash tag}');
    expect(invalidConfigMessage(() => loadWorkerConfig({ REDIS_URL: cluster, QUEUE_PREFIX: 'conveyor{}' }))).toContain(
      'QUEUE_PREFIX',
    );
    expect(loadWorkerConfig({ REDIS_URL: cluster, QUEUE_PREFIX: '{conveyor}' }).redis).toEqual({
      url: cluster,
      queuePrefix: '{conveyor}',
    });
    expect(loadApiConfig({ QUEUE_PREFIX: 'conveyor' }).redis.queuePrefix).toBe('conveyor'); // one server needs none
  });

  it('reads the hash tag as Redis Cluster does: the first {…} that is not empty', () => {
    expect(hashTagOf('{conveyor}')).toBe('conveyor');
    expect(hashTagOf('app:{conveyor}:x')).toBe('conveyor');
    expect(hashTagOf('{}{conveyor}')).toBeNull(); // Redis hashes the whole key when the first {} is empty
    expect(hashTagOf('conveyor')).toBeNull();
    expect(hashTagOf('{conveyor')).toBeNull();
  });
});
