import { createServer, type Server } from 'node:http';
import { type HealthCheck, type Registry, runHealthChecks } from '@conveyor/observability';

/** The worker's probe endpoints: `/healthz` (alive), `/readyz` (dependencies answer), `/metrics`. */
export function createHealthServer(
  checks: Record<string, HealthCheck>,
  metrics: Registry,
  optional: Record<string, HealthCheck> = {},
): Server {
  return createServer((request, response) => {
    const send = (status: number, contentType: string, body: string) => {
      response.writeHead(status, { 'content-type': contentType });
      response.end(body);
    };
    const route = async () => {
      switch (request.url) {
        case '/healthz':
          return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
        case '/readyz': {
          const report = await runHealthChecks(checks, undefined, optional);
          return send(report.ok ? 200 : 503, 'application/json', JSON.stringify(report));
        }
        case '/metrics':
          return send(200, metrics.contentType, await metrics.metrics());
        default:
          return send(404, 'application/json', JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such probe' } }));
      }
    };
    route().catch((error: unknown) => send(500, 'application/json', JSON.stringify({ error: String(error) })));
  });
}
