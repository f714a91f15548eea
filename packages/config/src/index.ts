export { type ApiConfig, apiEnvSchema, loadApiConfig } from './api.config';
export { type BoardConfig, boardEnvSchema, loadBoardConfig } from './board.config';
export { type CommonConfig, commonConfig, loadCommonConfig, type PayloadLimits } from './common.config';
export { type ConsoleConfig, consoleEnvSchema, loadConsoleConfig } from './console.config';
export { commonEnvSchema, type Env, parseEnv } from './env';
export { type KeysConfig, loadKeysConfig } from './keys.config';
export { redisTarget } from './redis-target';
export { loadTracingConfig, type TracingConfig } from './tracing.config';
export { loadWorkerConfig, type WorkerConfig, workerEnvSchema } from './worker.config';
