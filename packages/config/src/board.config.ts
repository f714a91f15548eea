import { z } from 'zod';
import { type CommonConfig, commonConfig, deepFreeze } from './common.config';
import { booleanSchema, commonEnvSchema, DEV_SECRET_PREFIX, type Env, parseEnv, portSchema } from './env';

export const boardEnvSchema = commonEnvSchema.extend({
  BOARD_HOST: z.string().min(1).default('127.0.0.1'),
  BOARD_PORT: portSchema.default(3002),
  BOARD_USERNAME: z.string().min(1).default('admin'),
  BOARD_PASSWORD: z.string().min(12).default(`${DEV_SECRET_PREFIX}board-password`),
  /** The board only shows queues unless this is `false`: retrying, promoting or deleting jobs bypasses run state. */
  BOARD_READ_ONLY: booleanSchema.default(true),
});

export interface BoardConfig extends CommonConfig {
  http: { host: string; port: number };
  auth: { username: string; password: string };
  readOnly: boolean;
}

export function loadBoardConfig(env: Env = process.env): Readonly<BoardConfig> {
  const parsed = parseEnv(boardEnvSchema, env);
  return deepFreeze({
    ...commonConfig(parsed),
    http: { host: parsed.BOARD_HOST, port: parsed.BOARD_PORT },
    auth: { username: parsed.BOARD_USERNAME, password: parsed.BOARD_PASSWORD },
    readOnly: parsed.BOARD_READ_ONLY,
  });
}
