import { z } from 'zod';
import { invalidConfig } from './invalid-config';
import { parseRedisTarget } from './redis-target';

export type Env = Record<string, string | undefined>;

/** Secrets have a development default so `npm start` works; production refuses to boot with it. */
export const DEV_SECRET_PREFIX = 'dev-only-';

export const nodeEnvSchema = z.enum(['development', 'test', 'production']).default('development');
export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
export const portSchema = z.coerce.number().int().min(0).max(65535);
export const positiveIntSchema = z.coerce.number().int().positive();
/** `true` or `false`, as environment variables spell them. */
export const booleanSchema = z.enum(['true', 'false']).transform((value) => value === 'true');
export const urlSchema = (protocols: string[]) =>
  z.string().refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
    message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });

/** Variables every Conveyor process reads. */
export const commonEnvSchema = z.object({
  NODE_ENV: nodeEnvSchema,
  LOG_LEVEL: logLevelSchema,
  DATABASE_URL: urlSchema(['postgres', 'postgresql']).default('postgresql://postgres@127.0.0.1:5432/conveyor'),
  DATABASE_POOL_SIZE: positiveIntSchema.default(10),
  REDIS_URL: urlSchema(['redis', 'rediss', 'redis-cluster', 'rediss-cluster'])
    .superRefine((value, ctx) => {
      const target = parseRedisTarget(value);
      if ('problem' in target) ctx.addIssue({ code: 'custom', message: target.problem });
    })
    .default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default('conveyor'),
  MONGO_URL: urlSchema(['mongodb', 'mongodb+srv']).default('mongodb://127.0.0.1:27017/conveyor'),
  LOG_RETENTION_DAYS: positiveIntSchema.default(14),
  SCHEDULE_MIN_INTERVAL_MS: positiveIntSchema.default(60_000),
  RUN_INPUT_MAX_BYTES: positiveIntSchema.default(1_048_576),
  STEP_OUTPUT_MAX_BYTES: positiveIntSchema.default(1_048_576),
  DEFINITION_MAX_BYTES: positiveIntSchema.default(262_144),
});

/** 32 zero bytes: a development key, refused in production by its `dev-only-` id. */
const DEV_CONNECTION_KEYS = `${DEV_SECRET_PREFIX}key:${Buffer.alloc(32).toString('base64')}`;

/** Keys that seal connection credentials (AES-256-GCM), for the processes that read or write them. */
export const connectionKeysEnvSchema = z.object({
  CONNECTION_KEYS: z
    .string()
    .regex(/^\s*[\w.-]+:[A-Za-z0-9+/=]+\s*(,\s*[\w.-]+:[A-Za-z0-9+/=]+\s*)*$/, 'must be id:base64key[,id:base64key…]')
    .default(DEV_CONNECTION_KEYS),
  /** Which key seals new secrets; the first key of CONNECTION_KEYS when unset. */
  CONNECTION_ACTIVE_KEY_ID: z.string().min(1).optional(),
});

export function connectionKeysConfig(env: z.infer<typeof connectionKeysEnvSchema>): { keys: string; activeKeyId: string } {
  const firstId = env.CONNECTION_KEYS.split(',')[0]?.split(':')[0]?.trim() ?? '';
  return { keys: env.CONNECTION_KEYS, activeKeyId: env.CONNECTION_ACTIVE_KEY_ID ?? firstId };
}

/**
 * Parses `env` with `schema`, or throws one INVALID_CONFIG error that names every bad variable.
 * In production a secret still holding its development default counts as bad.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw invalidConfig(problems);
  }
  const parsed = result.data as Record<string, unknown>;
  if (parsed.NODE_ENV === 'production') {
    const devSecrets = Object.entries(parsed)
      .filter(([, value]) => typeof value === 'string' && value.startsWith(DEV_SECRET_PREFIX))
      .map(([name]) => `${name}: must be set in production (the development default is refused)`);
    if (devSecrets.length > 0) throw invalidConfig(devSecrets);
  }
  return result.data;
}
