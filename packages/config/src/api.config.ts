import { isIP } from 'node:net';
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
  positiveIntSchema,
} from './env';
import { invalidConfig } from './invalid-config';

export const apiEnvSchema = commonEnvSchema.extend(connectionKeysEnvSchema.shape).extend({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: portSchema.default(3000),
  /**
   * The internal listener: Hasura's hooks (events, actions, input validation, the logs remote schema)
   * and /metrics. Unset (development), one listener serves everything; required in production.
   */
  API_INTERNAL_HOST: z.string().min(1).default('127.0.0.1'),
  API_INTERNAL_PORT: portSchema.optional(),
  /**
   * Proxies whose X-Forwarded-For the api believes, as addresses or CIDRs, comma-separated (the
   * console, an ingress). Unset, the client's address is the socket's: the per-address failure limit
   * would count every user behind a proxy as one.
   */
  API_TRUST_PROXY: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine(isAddressOrCidr, 'must be IP addresses or CIDRs, comma-separated'))),
  CONVEYOR_HOOK_SECRET: z.string().min(16).default(`${DEV_SECRET_PREFIX}hook-secret`),
  /** HS256 key shared with Hasura (the `key` of HASURA_GRAPHQL_JWT_SECRET); at least 32 characters. */
  AUTH_JWT_SECRET: z.string().min(32).default(`${DEV_SECRET_PREFIX}jwt-secret-0123456789abcdef`),
  AUTH_JWT_ISSUER: z.string().min(1).default('conveyor'),
  AUTH_JWT_AUDIENCE: z.string().min(1).default('conveyor-api'),
  /** Tokens must carry exp and iat, and live no longer than this. */
  AUTH_JWT_MAX_AGE_SECONDS: positiveIntSchema.default(86_400),
  /** Failed authentications (wrong hook secret, invalid token) one address may make per minute. */
  AUTH_FAILURES_PER_MINUTE: positiveIntSchema.default(30),
  LOG_TAIL_POLL_MS: positiveIntSchema.default(250),
  LOG_TAIL_MAX_PER_USER: positiveIntSchema.default(5),
  LOG_TAIL_MAX_TOTAL: positiveIntSchema.default(500),
  /** Runs of one tenant not yet finished (PENDING, QUEUED, RUNNING) past which its webhook triggers answer 429. */
  TENANT_MAX_BACKLOG: positiveIntSchema.default(1_000),
  /** The Retry-After of that 429: a run starting frees a place, so the bound reopens quickly. */
  TENANT_BACKLOG_RETRY_AFTER_SECONDS: positiveIntSchema.default(1),
});

export interface ApiConfig extends CommonConfig {
  /** CONNECTION_KEYS as given, and the id of the key that seals new secrets. */
  connections: { keys: string; activeKeyId: string };
  /** `internal` null: the public listener serves the internal routes too (development only). */
  http: { host: string; port: number; internal: { host: string; port: number } | null; trustedProxies: string[] };
  hasura: { hookSecret: string };
  auth: { jwtSecret: string; issuer: string; audience: string; maxAgeSeconds: number; failuresPerMinute: number };
  logs: { tailPollMs: number; tailsPerCaller: number; tailsTotal: number };
  /** Admission at the door: the per-tenant backlog bound of webhook triggers and of members' run inserts through Hasura. */
  admission: { maxBacklog: number; retryAfterSeconds: number };
}

export function loadApiConfig(env: Env = process.env): Readonly<ApiConfig> {
  const parsed = parseEnv(apiEnvSchema, env);
  if (parsed.NODE_ENV === 'production' && parsed.API_INTERNAL_PORT === undefined) {
    throw invalidConfig(['API_INTERNAL_PORT: must be set in production (hooks and /metrics are not served on the public port)']);
  }
  return deepFreeze({
    ...commonConfig(parsed),
    connections: connectionKeysConfig(parsed),
    http: {
      host: parsed.API_HOST,
      port: parsed.API_PORT,
      internal:
        parsed.API_INTERNAL_PORT === undefined ? null : { host: parsed.API_INTERNAL_HOST, port: parsed.API_INTERNAL_PORT },
      trustedProxies: parsed.API_TRUST_PROXY,
    },
    hasura: { hookSecret: parsed.CONVEYOR_HOOK_SECRET },
    auth: {
      jwtSecret: parsed.AUTH_JWT_SECRET,
      issuer: parsed.AUTH_JWT_ISSUER,
      audience: parsed.AUTH_JWT_AUDIENCE,
      maxAgeSeconds: parsed.AUTH_JWT_MAX_AGE_SECONDS,
      failuresPerMinute: parsed.AUTH_FAILURES_PER_MINUTE,
    },
    logs: {
      tailPollMs: parsed.LOG_TAIL_POLL_MS,
      tailsPerCaller: parsed.LOG_TAIL_MAX_PER_USER,
      tailsTotal: parsed.LOG_TAIL_MAX_TOTAL,
    },
    admission: { maxBacklog: parsed.TENANT_MAX_BACKLOG, retryAfterSeconds: parsed.TENANT_BACKLOG_RETRY_AFTER_SECONDS },
  });
}

function isAddressOrCidr(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}
