import { findMembershipRole, type PrismaClient } from '@conveyor/db';
import type { FastifyError, FastifyRequest } from 'fastify';
import { GraphQLError, GraphQLScalarType, type ValidationRule } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import { z } from 'zod';
import { failureOf } from '../../plugins/error-mapping';
import { HOOK_SECRET_HEADER, secretsMatch } from '../../plugins/shared-secret';
import type { ConveyorApp } from '../../types';
import { sessionFrom } from '../auth/session';
import { logsQuerySchema } from './logs.schemas';
import type { LogsService } from './logs.service';

declare module 'mercurius' {
  interface MercuriusContext {
    /** The caller Hasura vouched for (secret + x-hasura-* session headers), or null. */
    session: HasuraSession | null;
  }
}

interface HasuraSession {
  tenantId: string;
  /** Null for Hasura's admin role (the admin secret), which has no user. */
  userId: string | null;
}

/** The most `runLogs` fields one document may hold (each is a log-store query); aliases count. */
export const MAX_LOG_QUERIES_PER_DOCUMENT = 10;
/** The largest GraphQL request body, in bytes: a log query is a few hundred. */
const MAX_DOCUMENT_BYTES = 16 * 1024;

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
export async function logsGraphqlModule(app: ConveyorApp, opts: { logs: LogsService; hookSecret: string; prisma: PrismaClient }) {
  // Mercurius declares JSON-schema routes; in this encapsulated context they get plain compilers
  // instead of the app's zod ones (GraphQL validates its own documents).
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (route) => {
    route.bodyLimit = MAX_DOCUMENT_BYTES;
  });
  await app.register(mercurius, {
    schema,
    path: '/graphql/logs',
    graphiql: false,
    queryDepth: 4,
    validationRules: [limitFieldCount('runLogs', MAX_LOG_QUERIES_PER_DOCUMENT)],
    context: (request: FastifyRequest) => ({ session: sessionFromHasura(request, opts.hookSecret) }),
    resolvers: {
      JSON: new GraphQLScalarType({ name: 'JSON', serialize: (value) => value }),
      Query: {
        runLogs: async (_root: unknown, args: Record<string, unknown>, context: MercuriusContext) => {
          const tenantId = await memberTenant(opts.prisma, context.session);
          const parsed = argsSchema.safeParse(Object.fromEntries(Object.entries(args).filter(([, value]) => value !== null)));
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            throw new mercurius.ErrorWithProps(`${issue?.path.join('.')}: ${issue?.message}`, { code: 'VALIDATION_FAILED' });
          }
          const { workflowRunId, minLevel, ...query } = parsed.data;
          try {
            const page = await opts.logs.page(tenantId, workflowRunId, {
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

function sessionFromHasura(request: FastifyRequest, hookSecret: string): HasuraSession | null {
  const secret = request.headers[HOOK_SECRET_HEADER];
  if (!secretsMatch(typeof secret === 'string' ? secret : undefined, hookSecret)) return null;
  // Hasura forwards the session as x-hasura-* headers: read them as the actions read session_variables.
  const headers = Object.entries(request.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  const { role, tenantId, userId } = sessionFrom(Object.fromEntries(headers));
  if (!tenantId) return null;
  if (userId) return { tenantId, userId };
  return role === 'admin' ? { tenantId, userId: null } : null;
}

/**
 * The tenant whose logs the caller may read: the session's, and only while the user is a member of
 * it (the REST routes make the same check), so a token issued before a membership was revoked reads nothing.
 */
async function memberTenant(prisma: PrismaClient, session: HasuraSession | null): Promise<string> {
  if (!session) {
    throw new mercurius.ErrorWithProps('x-hasura-tenant-id and x-hasura-user-id with the shared secret are required', {
      code: 'UNAUTHORIZED',
    });
  }
  if (session.userId && !(await findMembershipRole(prisma, { tenantId: session.tenantId, userId: session.userId }))) {
    throw new mercurius.ErrorWithProps('the caller is not a member of the session’s tenant', { code: 'FORBIDDEN' });
  }
  return session.tenantId;
}

/** A validation rule: at most `max` selections of the root field `name` in one document, aliases included. */
function limitFieldCount(name: string, max: number): ValidationRule {
  return (context) => {
    let count = 0;
    return {
      Field(node) {
        if (node.name.value !== name) return;
        count += 1;
        if (count === max + 1) {
          context.reportError(new GraphQLError(`at most ${max} ${name} fields per request (aliases count)`, { nodes: [node] }));
        }
      },
    };
  };
}
