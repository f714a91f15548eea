import { pingDatabase } from '@conveyor/db';
import { type HealthCheck, runHealthChecks } from '@conveyor/observability';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../../types';

/**
 * `/healthz`: the process is alive. `/readyz`: PostgreSQL, Redis and the log store answer, so a load balancer only
 * sends traffic to an api that can act on it. `/metrics`: Prometheus text.
 */
export async function healthModule(app: FastifyInstance, deps: Pick<ApiDeps, 'prisma' | 'redis' | 'metrics' | 'logStore'>) {
  const checks: Record<string, HealthCheck> = {
    postgres: () => pingDatabase(deps.prisma),
    redis: () => deps.redis.ping(),
    logStore: () => deps.logStore.ping(),
  };

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const report = await runHealthChecks(checks);
    return reply.status(report.ok ? 200 : 503).send(report);
  });

  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
}
