export { type ApiConfig, loadApiConfig } from './api.config';
export { type CommonConfig, commonConfig, loadCommonConfig } from './common.config';
export { commonEnvSchema, type Env, parseEnv } from './env';
export { loadWorkerConfig, type WorkerConfig } from './worker.config';
