import type { FastifyError, FastifyRequest } from 'fastify';
import { GraphQLScalarType } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import { z } from 'zod';
import { failureOf } from '../../plugins/error-mapping';
import { HOOK_SECRET_HEADER, secretsMatch } from '../../plugins/shared-secret';
import type { ConveyorApp } from '../../types';
import { logsQuerySchema } from './logs.schemas';
import type { LogsService } from './logs.service';

declare module 'mercurius' {
  interface MercuriusContext {
    /** The tenant Hasura vouched for (secret + x-hasura-tenant-id), or null. */
    tenantId: string | null;
  }
}

const schema = /* GraphQL */ `
  scalar JSON

  type LogLine {
    id: ID!
    workflowRunId: ID!
    stepRunId: ID
    level: String!
    message: String!
    context: JSON
    timestamp: String!
  }

  type LogPage {
    lines: [LogLine!]!
    nextCursor: String
  }

  type Query {
    "Execution logs of one run of the caller's tenant, a page at a time."
    runLogs(
      workflowRunId: ID!
      stepRunId: ID
      minLevel: String
      since: String
      until: String
      limit: Int
      cursor: String
      order: String
    ): LogPage!
  }
`;

const argsSchema = logsQuerySchema
  .extend({ workflowRunId: z.string().uuid(), minLevel: logsQuerySchema.shape.level })
  .omit({ level: true });

/**
 * The execution-log GraphQL schema Hasura adds as a Remote Schema. Hasura forwards the caller's
 * session as `x-hasura-*` headers; they are trusted only alongside the shared secret it sends.
 */
export async function logsGraphqlModule(app: ConveyorApp, opts: { logs: LogsService; hookSecret: string }) {
  // Mercurius declares JSON-schema routes; in this encapsulated context they get plain compilers
  // instead of the app's zod ones (GraphQL validates its own documents).
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(mercurius, {
    schema,
    path: '/graphql/logs',
    graphiql: false,
    context: (request: FastifyRequest) => ({ tenantId: tenantFromHasura(request, opts.hookSecret) }),
    resolvers: {
      JSON: new GraphQLScalarType({ name: 'JSON', serialize: (value) => value }),
      Query: {
        runLogs: async (_root: unknown, args: Record<string, unknown>, context: MercuriusContext) => {
          if (!context.tenantId)
            throw new mercurius.ErrorWithProps('x-hasura-tenant-id with the shared secret is required', { code: 'UNAUTHORIZED' });
          const parsed = argsSchema.safeParse(Object.fromEntries(Object.entries(args).filter(([, value]) => value !== null)));
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            throw new mercurius.ErrorWithProps(`${issue?.path.join('.')}: ${issue?.message}`, { code: 'VALIDATION_FAILED' });
          }
          const { workflowRunId, minLevel, ...query } = parsed.data;
          try {
            const page = await opts.logs.page(context.tenantId, workflowRunId, {
              ...query,
              ...(minLevel ? { level: minLevel } : {}),
            });
            return { ...page, lines: page.lines.map((line) => ({ ...line, timestamp: line.timestamp.toISOString() })) };
          } catch (error) {
            // The api's one error mapping: a 4xx keeps its message, a fault reads as a fixed sentence.
            const failure = failureOf(error as FastifyError, context.reply.request.log);
            throw new mercurius.ErrorWithProps(failure.message, { code: failure.code });
          }
        },
      },
    },
  });
}

function tenantFromHasura(request: FastifyRequest, hookSecret: string): string | null {
  const secret = request.headers[HOOK_SECRET_HEADER];
  if (!secretsMatch(typeof secret === 'string' ? secret : undefined, hookSecret)) return null;
  const tenant = z.string().uuid().safeParse(request.headers['x-hasura-tenant-id']);
  return tenant.success ? tenant.data : null;
}
