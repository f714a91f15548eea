import type { z } from 'zod';
import { commonEnvSchema, type Env, parseEnv } from './env';
import { invalidConfig } from './invalid-config';
import { hashTagOf, redisTarget } from './redis-target';

type CommonEnv = z.infer<typeof commonEnvSchema>;

export interface CommonConfig {
  nodeEnv: CommonEnv['NODE_ENV'];
  logLevel: CommonEnv['LOG_LEVEL'];
  database: { url: string; poolSize: number };
  redis: { url: string; queuePrefix: string };
  mongo: { url: string };
  /** Execution-log retention, in days (a TTL index, or a sweep where the server has no TTL). */
  logRetentionDays: number;
  /** A schedule trigger that fires more often than this is refused when written, and disabled if found. */
  schedules: { minIntervalMs: number };
  /** Size budgets, in bytes of JSON: a run's input, a step's output, a workflow definition. */
  payloads: PayloadLimits;
}

export interface PayloadLimits {
  runInputBytes: number;
  stepOutputBytes: number;
  definitionBytes: number;
}

export function commonConfig(env: CommonEnv): CommonConfig {
  // A cluster runs a multi-key command or script only on keys of one slot: every key must share the prefix's hash tag.
  if (redisTarget(env.REDIS_URL).cluster && hashTagOf(env.QUEUE_PREFIX) === null)
    throw invalidConfig([
      `QUEUE_PREFIX: must hold a {hash tag} on a Redis Cluster (e.g. "{${env.QUEUE_PREFIX}}"), so that all of Conveyor's keys live in one slot`,
    ]);
  return {
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: { url: env.REDIS_URL, queuePrefix: env.QUEUE_PREFIX },
    mongo: { url: env.MONGO_URL },
    logRetentionDays: env.LOG_RETENTION_DAYS,
    schedules: { minIntervalMs: env.SCHEDULE_MIN_INTERVAL_MS },
    payloads: {
      runInputBytes: env.RUN_INPUT_MAX_BYTES,
      stepOutputBytes: env.STEP_OUTPUT_MAX_BYTES,
      definitionBytes: env.DEFINITION_MAX_BYTES,
    },
  };
}

/** Freezes a config object and everything below it: config is read-only once parsed. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The shared part alone, for tools and tests that need only the service URLs. */
export function loadCommonConfig(env: Env = process.env): Readonly<CommonConfig> {
  return deepFreeze(commonConfig(parseEnv(commonEnvSchema, env)));
}
