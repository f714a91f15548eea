import { z } from 'zod';
import { type CommonConfig, commonConfig, deepFreeze } from './common.config';
import {
  commonEnvSchema,
  connectionKeysConfig,
  connectionKeysEnvSchema,
  DEV_SECRET_PREFIX,
  type Env,
  parseEnv,
  portSchema,
} from './env';

export const apiEnvSchema = commonEnvSchema.extend(connectionKeysEnvSchema.shape).extend({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: portSchema.default(3000),
  CONVEYOR_HOOK_SECRET: z.string().min(16).default(`${DEV_SECRET_PREFIX}hook-secret`),
});

export interface ApiConfig extends CommonConfig {
  /** CONNECTION_KEYS as given, and the id of the key that seals new secrets. */
  connections: { keys: string; activeKeyId: string };
  http: { host: string; port: number };
  hasura: { hookSecret: string };
}

export function loadApiConfig(env: Env = process.env): Readonly<ApiConfig> {
  const parsed = parseEnv(apiEnvSchema, env);
  return deepFreeze({
    ...commonConfig(parsed),
    connections: connectionKeysConfig(parsed),
    http: { host: parsed.API_HOST, port: parsed.API_PORT },
    hasura: { hookSecret: parsed.CONVEYOR_HOOK_SECRET },
  });
}
