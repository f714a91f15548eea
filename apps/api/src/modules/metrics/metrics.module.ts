import type { Registry } from '@conveyor/observability';
import type { FastifyInstance } from 'fastify';

/** `/metrics`: Prometheus text, on the internal listener (it names tenants' queues and volumes). */
export async function metricsModule(app: FastifyInstance, deps: { metrics: Registry }) {
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
}
