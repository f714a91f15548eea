import { pingDatabase } from '@conveyor/db';
import { type HealthCheck, runHealthChecks } from '@conveyor/observability';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../../types';

/**
 * `/healthz`: the process is alive. `/readyz`: PostgreSQL and Redis answer, so a load balancer only sends traffic
 * to an api that can act on it; the log store is reported, and named in `degraded` while it is down. Served on every listener.
 */
export async function healthModule(app: FastifyInstance, deps: Pick<ApiDeps, 'prisma' | 'redis' | 'logStore'>) {
  const checks: Record<string, HealthCheck> = {
    postgres: plainly(app, 'postgres', () => pingDatabase(deps.prisma)),
    redis: plainly(app, 'redis', () => deps.redis.ping()),
  };
  // Off the run path: while the log store is down, runs go on and log reads fail on their own.
  const optional: Record<string, HealthCheck> = { logStore: plainly(app, 'logStore', () => deps.logStore.ping()) };

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const report = await runHealthChecks(checks, undefined, optional);
    return reply.status(report.ok ? 200 : 503).send(report);
  });
}

/** A check whose failure reads as a fixed sentence: a driver's own message is not for a public endpoint. */
function plainly(app: FastifyInstance, name: string, check: HealthCheck): HealthCheck {
  return async () => {
    try {
      await check();
    } catch (error) {
      app.log.warn({ error, check: name }, 'health check failed');
      throw new Error(`${name} did not answer`);
    }
  };
}
