import type { CommonConfig } from '@conveyor/config';
import { createDatabase, type Database, findActingMember, findTenantBySlug, type PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { createLogger, createMetricsRegistry, createPipelineMetrics } from '@conveyor/observability';
import { createProducers, createQueues, createRedisConnection, type Redis } from '@conveyor/queue';
import { createRuns, type Runs } from '@conveyor/runs';

/** A command holds at most this many PostgreSQL connections, whatever DATABASE_POOL_SIZE says for services. */
const CLI_POOL_SIZE = 2;

/** Runs `use` with a database connection pool and always closes it. */
export async function withDatabase<T>(config: Pick<CommonConfig, 'database'>, use: (db: Database) => Promise<T>) {
  const db = createDatabase({ url: config.database.url, poolSize: Math.min(config.database.poolSize, CLI_POOL_SIZE) });
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/**
 * Runs `use` with a connected Redis client and always closes it. `blocking` is for BullMQ's
 * QueueEvents (commands that wait); the default fails fast, as a producer should.
 */
export async function withRedis<T>(
  config: Pick<CommonConfig, 'redis'>,
  use: (redis: Redis) => Promise<T>,
  role: 'producer' | 'worker' = 'producer',
): Promise<T> {
  const redis = createRedisConnection(config.redis.url, role);
  try {
    await redis.connect();
  } catch (cause) {
    redis.disconnect();
    throw new ConveyorError({
      code: 'DEPENDENCY_UNAVAILABLE',
      message: `cannot reach Redis at ${hostOf(config.redis.url)} (REDIS_URL): ${(cause as Error).message}`,
      cause,
    });
  }
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * Runs `use` with the run use cases (the api's and the worker's own) on a database pool and a Redis
 * connection, and always closes them. Redis is connected first, so a queue outage fails before anything is written.
 */
export async function withRuns<T>(config: CommonConfig, use: (runs: Runs, db: Database) => Promise<T>): Promise<T> {
  return withRedis(config, (connection) =>
    withDatabase(config, async (db) => {
      const queues = createQueues({ connection, prefix: config.redis.queuePrefix });
      const producers = createProducers({ connection, prefix: config.redis.queuePrefix, queues });
      const log = createLogger({ service: 'cli', level: 'silent' });
      try {
        return await use(
          createRuns({ pool: db.pool, producers, log, metrics: createPipelineMetrics(createMetricsRegistry('cli')) }),
          db,
        );
      } finally {
        await queues.close();
      }
    }),
  );
}

export interface TenantRef {
  id: string;
  slug: string;
}

/** The tenant with this slug, or a NOT_FOUND error naming it. */
export async function findTenant(prisma: PrismaClient, slug: string): Promise<TenantRef> {
  const tenant = await findTenantBySlug(prisma, slug);
  if (!tenant)
    throw new ConveyorError({ code: 'NOT_FOUND', message: `tenant "${slug}" not found (--tenant)`, details: { slug } });
  return tenant;
}

/**
 * A member of the tenant to act as: the user with `email`, or by default the tenant's first
 * ADMIN member (the oldest membership).
 */
export async function findMember(prisma: PrismaClient, tenant: TenantRef, email: string | undefined) {
  const member = await findActingMember(prisma, tenant.id, email);
  if (!member) {
    const message =
      email === undefined
        ? `tenant "${tenant.slug}" has no ADMIN member (name one with --user <email>)`
        : `${email} is not a member of tenant "${tenant.slug}" (--user)`;
    throw new ConveyorError({ code: 'NOT_FOUND', message, details: { tenant: tenant.slug, ...(email ? { email } : {}) } });
  }
  return member;
}

/** `host:port` of a service URL, without credentials, for messages. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unparseable URL)';
  }
}

/** The tenant commands act in when `--tenant` is not given: the one `npm start` seeds. */
export const DEFAULT_TENANT = 'demo';
