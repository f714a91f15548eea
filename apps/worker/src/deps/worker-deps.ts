import type { ActionRegistry } from '@conveyor/actions';
import type { PrismaClient, SqlPool } from '@conveyor/db';
import type { BatchingWriter, LogStore } from '@conveyor/logs';
import type { Logger, PipelineMetrics } from '@conveyor/observability';
import type { Producers, Queues, RateLimits, Redis, TenantAdmission } from '@conveyor/queue';
import type { Runs } from '@conveyor/runs';
import type { Keyring } from '@conveyor/secrets';
import type { ExpressionPool } from '../expressions/expression-pool';
import type { AbortRegistry } from './abort-registry';
import type { DefinitionCache } from './definition-cache';

/** The values of the worker's configuration that its parts read: nothing else of the config is passed down. */
export interface WorkerSettings {
  queuePrefix: string;
  /** Jobs one process runs at once, per queue. */
  concurrency: number;
  lockDurationMs: number;
  reconciler: { intervalMs: number; staleAfterMs: number; logSweepIntervalMs: number };
  /** A schedule trigger firing more often than this is disabled. */
  scheduleMinIntervalMs: number;
  /** A step output larger than this (bytes of JSON) fails its step with PAYLOAD_TOO_LARGE. */
  stepOutputMaxBytes: number;
  /** CIDRs `http.request` may reach although private. */
  allowPrivateNetworks: readonly string[];
  /** The time one step attempt's expressions may take together (capped by the step's timeout). */
  expressionBudgetMs: number;
}

/** Everything the worker's processors, workers and reconciler use: built once by `composeWorker`, passed down. */
export interface WorkerDeps {
  settings: WorkerSettings;
  /** The process's own log (pino). */
  log: Logger;
  prisma: PrismaClient;
  /** The pool Prisma runs on: the run and step state statements use it directly. */
  pool: SqlPool;
  /** A Redis connection for commands that do not block (the reconciler's scans). */
  redis: Redis;
  /** The raw queues, for reading job states and schedulers. */
  queues: Queues;
  producers: Producers;
  /** Tenant run slots and backlogs (fair share between tenants). */
  admission: TenantAdmission;
  /** Steps' rate limits (token buckets across every worker). */
  rateLimits: RateLimits;
  /** The run use cases: dispatch, time out, after-commit. */
  runs: Runs;
  actions: ActionRegistry;
  /** The child processes that evaluate every expression that is not a plain field read. */
  expressions: ExpressionPool;
  definitions: DefinitionCache;
  aborts: AbortRegistry;
  /** Opens the tenants' sealed connection credentials for the steps that name one. */
  keyring: Keyring;
  /** Buffers execution log lines and flushes them to the log store in batches. */
  logWriter: BatchingWriter;
  logStore: LogStore;
  /** The log store has no TTL index: the reconciler leader sweeps expired lines. */
  sweepLogs: boolean;
  metrics: PipelineMetrics;
  now: () => number;
}
