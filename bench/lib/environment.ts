import os from 'node:os';
import { applyMigrations, createDatabase, dropDatabase, ensureDatabase, type PrismaClient } from '@conveyor/db';
import { migrationsDir, testServices, uniqueSuffix, withDatabase } from '@conveyor/testing';
import { Redis } from 'ioredis';
import { type Db, MongoClient } from 'mongodb';
import pg from 'pg';

/**
 * Everything the benchmark owns on the shared services: a migrated PostgreSQL database, a Redis
 * key prefix and MongoDB databases, all named `conveyor_bench_<suffix>` / `conveyor-bench-<suffix>`,
 * and removed by `cleanup()` — never the `conveyor` database or prefix.
 */
export interface BenchEnvironment {
  suffix: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  prisma: PrismaClient;
  pool: pg.Pool;
  redis: Redis;
  mongo: MongoClient;
  /** A MongoDB database of the benchmark's own, `conveyor_bench_<suffix>_<label>` (dropped by cleanup). */
  mongoDb(label: string): { db: Db; url: string };
  /** The labels given to mongoDb() so far. */
  mongoLabels(): string[];
  versions(): Promise<Versions>;
  cleanup(): Promise<void>;
}

export interface Versions {
  node: string;
  postgres: string;
  redis: string;
  mongo: { version: string; ferretdbVersion?: string };
  cores: number;
  cpuModel: string;
}

/** Connections a Conveyor worker and the raw baseline each get (DATABASE_POOL_SIZE). */
export const POOL_SIZE = 10;

export async function createBenchEnvironment(): Promise<BenchEnvironment> {
  const services = testServices();
  const suffix = uniqueSuffix();
  const name = `conveyor_bench_${suffix}`;
  const databaseUrl = withDatabase(services.databaseUrl, name);
  const queuePrefix = `conveyor-bench-${suffix}`;
  const mongoBase = new URL(services.mongoUrl);
  const mongoNames = new Set<string>();
  const mongoUrlOf = (database: string) => {
    const url = new URL(mongoBase);
    url.pathname = `/${database}`;
    return url.toString();
  };

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error('cleanup:', error));
    cleanups.length = 0;
  };
  try {
    cleanups.push(() => dropDatabase(databaseUrl));
    await ensureDatabase(databaseUrl);
    await applyMigrations({ databaseUrl, migrationsDir });
    const database = createDatabase({ url: databaseUrl, poolSize: 5 });
    cleanups.push(() => database.close());
    const { prisma } = database;
    const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
    // An idle connection that ends under it (the database dropped with FORCE while an ended pool's
    // connections still close) must not end the benchmark before it writes its results.
    pool.on('error', (error) => console.error(`bench pool: ${error.message}`));
    cleanups.push(() => pool.end());

    const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    cleanups.push(async () => {
      await deleteKeys(redis, `${queuePrefix}:*`);
      redis.disconnect();
    });

    const mongo = new MongoClient(services.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
    await mongo.connect();
    cleanups.push(async () => {
      for (const database of mongoNames) await mongo.db(database).dropDatabase();
      await mongo.close();
    });
    const labels = new Set<string>();
    const mongoDb = (label: string) => {
      const database = `${name}_${label}`;
      mongoNames.add(database);
      labels.add(label);
      return { db: mongo.db(database), url: mongoUrlOf(database) };
    };

    return {
      suffix,
      databaseUrl,
      redisUrl: services.redisUrl,
      queuePrefix,
      prisma,
      pool,
      redis,
      mongo,
      mongoDb,
      mongoLabels: () => [...labels],
      versions: () => readVersions(pool, redis, mongo),
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function readVersions(pool: pg.Pool, redis: Redis, mongo: MongoClient): Promise<Versions> {
  const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
  const info = await redis.info('server');
  const build = await mongo.db('admin').command({ buildInfo: 1 });
  return {
    node: process.version,
    postgres: rows[0]?.server_version ?? 'unknown',
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    mongo: {
      version: String(build.version),
      ...(build.ferretdbVersion ? { ferretdbVersion: String(build.ferretdbVersion) } : {}),
    },
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
  };
}
