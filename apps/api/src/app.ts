import { nameRequestSpan, tracingStarted } from '@conveyor/observability';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { createApprovalLinks } from './modules/approvals/approval-links';
import { approvalsModule } from './modules/approvals/approvals.module';
import { eventsModule } from './modules/events/events.module';
import { hasuraActionsModule } from './modules/hasura-actions/hasura-actions.module';
import { hasuraEventsModule } from './modules/hasura-events/hasura-events.module';
import { hasuraValidationsModule } from './modules/hasura-validations/hasura-validations.module';
import { healthModule } from './modules/health/health.module';
import { logsGraphqlModule } from './modules/logs/logs.graphql';
import { logsModule } from './modules/logs/logs.module';
import { createLogsService } from './modules/logs/logs.service';
import { metricsModule } from './modules/metrics/metrics.module';
import { readsModule } from './modules/reads/reads.module';
import { runCommandsModule } from './modules/run-commands/run-commands.module';
import { sessionModule } from './modules/session/session.module';
import { triggersModule } from './modules/triggers/triggers.module';
import { errorHandler } from './plugins/error-handler';
import { failureLimiterPlugin } from './plugins/failure-limiter';
import { jsonGuard } from './plugins/json-guard';
import { registerOpenApi } from './plugins/openapi';
import { validatorCompiler } from './plugins/validator';
import type { ApiDeps, ConveyorApp } from './types';

export type { ApiDeps, ConveyorApp } from './types';

/**
 * Which routes a listener serves. `public`: the app-facing routes (log REST and SSE, webhook
 * triggers) and health. `internal`: what only Hasura and the operator's scraper call (Hasura's
 * events, actions, input validation and the logs remote schema; /metrics) and health. `all`: both,
 * on one listener, for development.
 */
export type Surface = 'public' | 'internal' | 'all';

/** Builds the api without listening, so tests drive it through `app.inject()`. */
export async function buildApp(deps: ApiDeps, surface: Surface = 'all'): Promise<ConveyorApp> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    trustProxy: deps.trustedProxies.length > 0 ? deps.trustedProxies : false,
  }).withTypeProvider<ZodTypeProvider>();
  // Traces: each request's span is named after its route (no hook at all without tracing).
  if (tracingStarted()) app.addHook('onRequest', async (request) => nameRequestSpan(request.method, request.routeOptions.url));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(errorHandler);
  await app.register(failureLimiterPlugin, deps.authFailureLimits);
  await app.register(jsonGuard);
  if (surface !== 'internal') await registerOpenApi(app as unknown as FastifyInstance, { ui: deps.serveApiDocs });
  await app.register(healthModule, { prisma: deps.prisma, redis: deps.redis, logStore: deps.logStore });
  if (surface !== 'internal') await registerPublic(app, deps);
  if (surface !== 'public') await registerInternal(app, deps);
  return app;
}

async function registerPublic(app: ConveyorApp, deps: ApiDeps) {
  await app.register(triggersModule, { pool: deps.pool, runs: deps.runs, keyring: deps.keyring, admission: deps.admission });
  const logs = createLogsService({ pool: deps.pool, logStore: deps.logStore });
  const auth = { prisma: deps.prisma, jwt: deps.jwt };
  await app.register(logsModule, { logs, auth, tailPollMs: deps.logTailPollMs, tailSlots: deps.logTailSlots });
  await app.register(eventsModule, { runs: deps.runs, auth });
  await app.register(readsModule, { pool: deps.pool, auth });
  await app.register(sessionModule, { auth });
  await app.register(runCommandsModule, { runs: deps.runs, auth });
  const links = createApprovalLinks(deps.jwt.jwtSecret);
  await app.register(approvalsModule, { pool: deps.pool, runs: deps.runs, auth, links });
}

async function registerInternal(app: ConveyorApp, deps: ApiDeps) {
  const { runs } = deps;
  await app.register(metricsModule, { metrics: deps.metrics });
  await app.register(hasuraEventsModule, { hookSecret: deps.hookSecret, runs });
  await app.register(hasuraActionsModule, {
    hookSecret: deps.hookSecret,
    prisma: deps.prisma,
    keyring: deps.keyring,
    runs,
    definitionMaxBytes: deps.payloadLimits.definitionBytes,
  });
  await app.register(hasuraValidationsModule, {
    hookSecret: deps.hookSecret,
    prisma: deps.prisma,
    runs: deps.runs,
    admission: deps.admission,
    scheduleMinIntervalMs: deps.scheduleMinIntervalMs,
    runInputMaxBytes: deps.payloadLimits.runInputBytes,
  });
  const logs = createLogsService({ pool: deps.pool, logStore: deps.logStore });
  await app.register(logsGraphqlModule, { logs, hookSecret: deps.hookSecret, prisma: deps.prisma });
}
