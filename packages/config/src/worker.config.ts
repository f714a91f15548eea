import { z } from 'zod';
import { type CommonConfig, commonConfig, deepFreeze } from './common.config';
import { commonEnvSchema, type Env, parseEnv, portSchema, positiveIntSchema } from './env';

const workerEnvSchema = commonEnvSchema.extend({
  WORKER_CONCURRENCY: positiveIntSchema.default(10),
  WORKER_HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_HEALTH_PORT: portSchema.default(3001),
});

export interface WorkerConfig extends CommonConfig {
  concurrency: number;
  http: { host: string; port: number };
}

export function loadWorkerConfig(env: Env = process.env): Readonly<WorkerConfig> {
  const parsed = parseEnv(workerEnvSchema, env);
  return deepFreeze({
    ...commonConfig(parsed),
    concurrency: parsed.WORKER_CONCURRENCY,
    http: { host: parsed.WORKER_HEALTH_HOST, port: parsed.WORKER_HEALTH_PORT },
  });
}
