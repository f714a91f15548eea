import type { ActionRegistry } from '@conveyor/actions';
import type { WorkerConfig } from '@conveyor/config';
import type { PrismaClient, SqlPool } from '@conveyor/db';
import type { BatchingWriter, LogStore } from '@conveyor/logs';
import type { Logger, PipelineMetrics } from '@conveyor/observability';
import type { Producers } from '@conveyor/queue';
import type { Keyring } from '@conveyor/secrets';
import type { AbortRegistry } from './execution/abort-registry';
import type { DefinitionCache } from './execution/definition-cache';

/** Everything a processor may use, built once in main.ts and passed down. */
export interface WorkerDeps {
  config: Readonly<WorkerConfig>;
  log: Logger;
  prisma: PrismaClient;
  /** The pool Prisma runs on: the run and step state transitions use it directly. */
  pool: SqlPool;
  producers: Producers;
  actions: ActionRegistry;
  definitions: DefinitionCache;
  aborts: AbortRegistry;
  /** Opens the tenants' sealed connection credentials for the steps that name one. */
  keyring: Keyring;
  /** Buffers execution log lines and flushes them to the log store in batches. */
  logs: BatchingWriter;
  logStore: LogStore;
  /** The log store has no TTL index: the reconciler leader sweeps expired lines. */
  sweepLogs: boolean;
  metrics: PipelineMetrics;
  now: () => number;
}
