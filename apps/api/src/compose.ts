import type { ApiConfig } from '@conveyor/config';
import { createDatabase } from '@conveyor/db';
import { createMongoLogStore, keepInitialising } from '@conveyor/logs';
import { createMetricsRegistry, createPipelineMetrics, type Logger, registerQueueGauges } from '@conveyor/observability';
import { createProducers, createQueues, createRedisConnection, snapshotQueue } from '@conveyor/queue';
import { createRuns } from '@conveyor/runs';
import { createKeyring, parseKeys } from '@conveyor/secrets';
import type { ApiDeps } from './types';

export interface ComposedApi {
  deps: ApiDeps;
  /** Closes the queues, the database pool and the log store, then drops the Redis connection. */
  close(): Promise<void>;
}

export interface ComposeOptions {
  /**
   * `true` (the default): an unreachable Redis fails the composition, so the process stops before it
   * listens. `false` lets the api start anyway and report Redis in `/readyz` (tests of that path).
   */
  requireRedis?: boolean;
}

/**
 * The api's one composition, used by main.ts and by the tests: opens every connection the parsed
 * config names and hands each module only the values it needs.
 */
export async function composeApi(
  config: Readonly<ApiConfig>,
  log: Logger,
  { requireRedis = true }: ComposeOptions = {},
): Promise<ComposedApi> {
  const database = createDatabase({ ...config.database, log });
  const redis = createRedisConnection(config.redis.url, 'producer', log);
  const logStore = createMongoLogStore({ url: config.mongo.url, retentionDays: config.logRetentionDays, log });
  try {
    await redis.connect().catch((error: unknown) => {
      if (requireRedis) throw error;
    });
  } catch (error) {
    await Promise.allSettled([database.close(), logStore.close()]);
    redis.disconnect();
    throw error;
  }
  // The log store is off the run path: the api serves while it is down, and initialises it once it is back.
  const initialising = keepInitialising(logStore, log);
  await initialising.firstAttempt;
  const prefix = config.redis.queuePrefix;
  const queues = createQueues({ connection: redis, prefix });
  const producers = createProducers({ connection: redis, prefix, queues });
  const metrics = createMetricsRegistry('api');
  registerQueueGauges(metrics, () => Promise.all([snapshotQueue(queues.runs), snapshotQueue(queues.steps)]));
  const deps: ApiDeps = {
    log,
    prisma: database.prisma,
    pool: database.pool,
    redis,
    queues,
    runs: createRuns({ pool: database.pool, producers, log, metrics: createPipelineMetrics(metrics) }),
    logStore,
    keyring: createKeyring(parseKeys(config.connections.keys), config.connections.activeKeyId),
    metrics,
    hookSecret: config.hasura.hookSecret,
    jwt: config.auth,
    logTailPollMs: config.logs.tailPollMs,
    authFailureLimits: { maxFailures: config.auth.failuresPerMinute, windowMs: 60_000 },
    logTailSlots: { perCaller: config.logs.tailsPerCaller, total: config.logs.tailsTotal },
    scheduleMinIntervalMs: config.schedules.minIntervalMs,
    payloadLimits: config.payloads,
    admission: config.admission,
    serveApiDocs: config.nodeEnv !== 'production',
    trustedProxies: [...config.http.trustedProxies],
  };
  return {
    deps,
    async close() {
      initialising.stop();
      await Promise.allSettled([queues.close(), database.close(), logStore.close()]);
      redis.disconnect();
    },
  };
}
