import { z } from 'zod';
import { deepFreeze } from './common.config';
import { type Env, logLevelSchema, nodeEnvSchema, parseEnv, portSchema, urlSchema } from './env';

/** The console serves files and relays `/v1/*` to the api: it reads no database, queue or secret of its own. */
export const consoleEnvSchema = z.object({
  NODE_ENV: nodeEnvSchema,
  LOG_LEVEL: logLevelSchema,
  CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  CONSOLE_PORT: portSchema.default(3003),
  /** The api's public listener, where the console relays `/v1/*` (the browser only ever talks to the console). */
  CONSOLE_API_URL: urlSchema(['http', 'https']).default('http://127.0.0.1:3000'),
});

export interface ConsoleConfig {
  nodeEnv: z.infer<typeof nodeEnvSchema>;
  logLevel: z.infer<typeof logLevelSchema>;
  http: { host: string; port: number };
  apiUrl: string;
}

export function loadConsoleConfig(env: Env = process.env): Readonly<ConsoleConfig> {
  const parsed = parseEnv(consoleEnvSchema, env);
  return deepFreeze({
    nodeEnv: parsed.NODE_ENV,
    logLevel: parsed.LOG_LEVEL,
    http: { host: parsed.CONSOLE_HOST, port: parsed.CONSOLE_PORT },
    apiUrl: parsed.CONSOLE_API_URL.replace(/\/+$/, ''),
  });
}
