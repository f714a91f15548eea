import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate } from './modules/auth/authenticate';
import { hasuraActionsModule } from './modules/hasura-actions/hasura-actions.module';
import { hasuraEventsModule } from './modules/hasura-events/hasura-events.module';
import { hasuraValidationsModule } from './modules/hasura-validations/hasura-validations.module';
import { healthModule } from './modules/health/health.module';
import { logsGraphqlModule } from './modules/logs/logs.graphql';
import { logsModule } from './modules/logs/logs.module';
import { createLogsService } from './modules/logs/logs.service';
import { triggersModule } from './modules/triggers/triggers.module';
import { errorHandler } from './plugins/error-handler';
import { jsonGuard } from './plugins/json-guard';
import { validatorCompiler } from './plugins/validator';
import type { ApiDeps, ConveyorApp } from './types';

export type { ApiDeps, ConveyorApp } from './types';

/** Builds the api without listening, so tests drive it through `app.inject()`. */
export async function buildApp(deps: ApiDeps): Promise<ConveyorApp> {
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(errorHandler);
  await app.register(jsonGuard);
  await app.register(healthModule, { prisma: deps.prisma, redis: deps.redis, logStore: deps.logStore, metrics: deps.metrics });
  const { runs } = deps;
  await app.register(hasuraEventsModule, { hookSecret: deps.hookSecret, runs });
  await app.register(hasuraActionsModule, {
    hookSecret: deps.hookSecret,
    prisma: deps.prisma,
    keyring: deps.keyring,
    runs,
  });
  await app.register(hasuraValidationsModule, {
    hookSecret: deps.hookSecret,
    prisma: deps.prisma,
    scheduleMinIntervalMs: deps.scheduleMinIntervalMs,
  });
  await app.register(triggersModule, { prisma: deps.prisma, runs });
  const logs = createLogsService({ pool: deps.pool, logStore: deps.logStore });
  const auth = authenticate({ prisma: deps.prisma, jwt: deps.jwt });
  await app.register(logsModule, { logs, auth, tailPollMs: deps.logTailPollMs });
  await app.register(logsGraphqlModule, { logs, hookSecret: deps.hookSecret });
  return app;
}
