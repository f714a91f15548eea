import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** Routes only Hasura and the operator's scraper call: not the api apps use, so not in its description. */
const INTERNAL = [/^\/hooks\/hasura\//, /^\/graphql/, /^\/metrics$/, /^\/docs/];

/**
 * The OpenAPI description of the app-facing routes, generated from their zod schemas (registered before
 * the routes, so that it sees them): `app.swagger()`, and `docs/openapi.json` (a test keeps it equal).
 * With `ui`, the description is browsable at `/docs` (development).
 */
export async function registerOpenApi(app: FastifyInstance, { ui }: { ui: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Conveyor API',
        version: '1',
        description: 'The app-facing routes: runs, workflows, logs, events, approvals, webhook triggers, health.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A Hasura-style JWT, or an API key (cvk_…)' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
    transform: (input) => {
      if (INTERNAL.some((pattern) => pattern.test(input.url))) return { schema: { ...input.schema, hide: true }, url: input.url };
      return jsonSchemaTransform(input);
    },
  });
  if (ui) await app.register(swaggerUi, { routePrefix: '/docs' });
}
