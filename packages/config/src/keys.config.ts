import { type CommonConfig, commonConfig, deepFreeze } from './common.config';
import { commonEnvSchema, connectionKeysConfig, connectionKeysEnvSchema, type Env, parseEnv } from './env';

export interface KeysConfig extends CommonConfig {
  /** CONNECTION_KEYS as given, and the id of the key that wraps data keys from now on. */
  connections: { keys: string; activeKeyId: string };
}

/** The shared part and the connection keyring: for tools that re-seal credentials (the cli's `keys reseal`). */
export function loadKeysConfig(env: Env = process.env): Readonly<KeysConfig> {
  const parsed = parseEnv(commonEnvSchema.extend(connectionKeysEnvSchema.shape), env);
  return deepFreeze({ ...commonConfig(parsed), connections: connectionKeysConfig(parsed) });
}
