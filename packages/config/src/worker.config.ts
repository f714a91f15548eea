import { z } from 'zod';
import { type CommonConfig, commonConfig, deepFreeze } from './common.config';
import {
  commonEnvSchema,
  connectionKeysConfig,
  connectionKeysEnvSchema,
  type Env,
  parseEnv,
  portSchema,
  positiveIntSchema,
} from './env';

const cidrListSchema = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((cidr) => cidr.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a comma-separated list of CIDRs, e.g. 127.0.0.1/32')));

export const workerEnvSchema = commonEnvSchema.extend(connectionKeysEnvSchema.shape).extend({
  WORKER_CONCURRENCY: positiveIntSchema.default(10),
  /** Unset: sized from WORKER_CONCURRENCY (see {@link workerPoolSize}). */
  DATABASE_POOL_SIZE: positiveIntSchema.optional(),
  WORKER_LOCK_DURATION_MS: positiveIntSchema.default(30_000),
  WORKER_SHUTDOWN_GRACE_MS: positiveIntSchema.default(25_000),
  WORKER_HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_HEALTH_PORT: portSchema.default(3001),
  RECONCILER_INTERVAL_MS: positiveIntSchema.default(5_000),
  RECONCILER_STALE_AFTER_MS: positiveIntSchema.default(5_000),
  LOG_SWEEP_INTERVAL_MS: positiveIntSchema.default(3_600_000),
  HTTP_ALLOW_PRIVATE_NETWORKS: cidrListSchema,
  EXPRESSION_BUDGET_MS: positiveIntSchema.default(1_000),
  EXPRESSION_PROCESSES: positiveIntSchema.max(64).default(2),
  EXPRESSION_MAX_HEAP_MB: positiveIntSchema.min(16).default(128),
  EXPRESSION_MAX_RESULT_BYTES: positiveIntSchema.default(4 * 1024 * 1024),
});

export interface WorkerConfig extends CommonConfig {
  /** CONNECTION_KEYS as given, and the id of the key that seals new secrets. */
  connections: { keys: string; activeKeyId: string };
  /** Step jobs one worker process runs at once. */
  concurrency: number;
  /** How long a job's lock lives without renewal; a killed worker's job is retried after about this long. */
  lockDurationMs: number;
  shutdownGraceMs: number;
  http: { host: string; port: number };
  reconciler: { intervalMs: number; staleAfterMs: number; logSweepIntervalMs: number };
  actions: { allowPrivateNetworks: string[] };
  /**
   * Expressions other than plain field reads run in child processes: how many, the heap of each,
   * the time one step attempt's expressions may take together, and the JSON one step's may return.
   */
  expressions: { processes: number; maxHeapMb: number; budgetMs: number; maxResultBytes: number };
}

export function loadWorkerConfig(env: Env = process.env): Readonly<WorkerConfig> {
  const parsed = parseEnv(workerEnvSchema, env);
  const poolSize = parsed.DATABASE_POOL_SIZE ?? workerPoolSize(parsed.WORKER_CONCURRENCY);
  return deepFreeze({
    ...commonConfig({ ...parsed, DATABASE_POOL_SIZE: poolSize }),
    connections: connectionKeysConfig(parsed),
    concurrency: parsed.WORKER_CONCURRENCY,
    lockDurationMs: parsed.WORKER_LOCK_DURATION_MS,
    shutdownGraceMs: parsed.WORKER_SHUTDOWN_GRACE_MS,
    http: { host: parsed.WORKER_HEALTH_HOST, port: parsed.WORKER_HEALTH_PORT },
    reconciler: {
      intervalMs: parsed.RECONCILER_INTERVAL_MS,
      staleAfterMs: parsed.RECONCILER_STALE_AFTER_MS,
      logSweepIntervalMs: parsed.LOG_SWEEP_INTERVAL_MS,
    },
    actions: { allowPrivateNetworks: parsed.HTTP_ALLOW_PRIVATE_NETWORKS },
    expressions: {
      processes: parsed.EXPRESSION_PROCESSES,
      maxHeapMb: parsed.EXPRESSION_MAX_HEAP_MB,
      budgetMs: parsed.EXPRESSION_BUDGET_MS,
      maxResultBytes: parsed.EXPRESSION_MAX_RESULT_BYTES,
    },
  });
}

/**
 * The worker's default DATABASE_POOL_SIZE: a job holds at most one connection at a time, and each of the
 * two queues runs WORKER_CONCURRENCY jobs, so a pool this size never makes a job wait for a connection
 * (the reconciler, schedules and health checks take the two more). A smaller pool caps the jobs that
 * make progress at once whatever the concurrency: each step then waits for a connection per statement.
 */
export function workerPoolSize(concurrency: number): number {
  return Math.min(2 * concurrency + 2, MAX_DEFAULT_POOL_SIZE);
}

/**
 * The default never exceeds this, so a raised WORKER_CONCURRENCY alone cannot take PostgreSQL's default
 * `max_connections` (100) with two workers; past it, set DATABASE_POOL_SIZE deliberately.
 */
export const MAX_DEFAULT_POOL_SIZE = 40;
