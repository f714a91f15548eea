import { type AppRuntime, freePort, type ServiceProcess, startService } from '@conveyor/testing';
import { ensureBuilt } from './build';
import type { BenchEnvironment } from './environment';

/** The shared secret Hasura sends on its hooks (CONVEYOR_HOOK_SECRET of the bench's api). */
export const BENCH_HOOK_SECRET = 'bench-hook-secret-0123456789';

export interface ApiProcess {
  pid: number;
  /** http://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Conveyor api (`apps/api/src/main.ts`) on the benchmark's database, prefix and `logLabel`
 * log store, at its defaults otherwise (pool size, admission bound, one listener).
 */
export async function startConveyorApi(
  env: BenchEnvironment,
  {
    logLabel,
    logLevel,
    nodeOptions,
    runtime = 'dist',
  }: { logLabel: string; logLevel: string; nodeOptions: string; runtime?: AppRuntime },
): Promise<ApiProcess> {
  if (runtime === 'dist') await ensureBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = await startService(
    'api',
    {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: env.queuePrefix,
      MONGO_URL: env.mongoDb(logLabel).url,
      API_PORT: String(port),
      CONVEYOR_HOOK_SECRET: BENCH_HOOK_SECRET,
      LOG_LEVEL: logLevel,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
    { readyUrl: `${url}/readyz`, name: 'api', timeoutMs: 60_000, runtime },
  );
  const pid = service.child.pid;
  if (pid === undefined) throw new Error('the api has no pid');
  return {
    pid,
    url,
    async stop() {
      const code = await service.stop('SIGTERM', 15_000);
      if (code !== 0) console.error(`api exited with ${code}:\n${service.output().slice(-4000)}`);
    },
  };
}
