import {
  type ApiKeyScope,
  type Caller,
  isApiKeyCredential,
  type JwtSettings,
  type UserCaller,
  verifyToken,
} from '@conveyor/auth';
import { findMembershipRole, type PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { FastifyRequest } from 'fastify';
import { API_KEY_HEADER, apiKeyCaller, type Refusal } from './api-key-caller';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export interface AuthDeps {
  prisma: PrismaClient;
  jwt: JwtSettings;
  now?: () => number;
}

/**
 * A preHandler for app-facing routes. It always takes a valid Hasura-style JWT of a member of the
 * token's tenant; a route that names a `scope` also takes an API key granted that scope
 * (`Authorization: Bearer cvk_…` or `x-api-key: cvk_…`). The tenant comes from the verified token or
 * the key's row only, never from the request. Every refused credential counts against the address in
 * the failure limiter; a missing one does not.
 *
 *     app.post('/v1/events', { preHandler: authenticate(deps, { scope: 'events:send' }) }, …)
 */
export function authenticate(deps: AuthDeps, { scope }: { scope?: ApiKeyScope } = {}) {
  return async (request: FastifyRequest) => {
    request.server.authFailures.assertAllowed(request.ip);
    const credential = credentialOf(request);
    if (!credential) {
      throw new ConveyorError({ code: 'UNAUTHORIZED', message: `${expected(scope)} is required` });
    }
    const refused = (error: ConveyorError) => {
      // A wrong, revoked, expired or under-scoped credential is a guess until proven otherwise.
      request.server.authFailures.recordFailure(request.ip);
      return error;
    };
    request.caller =
      credential.kind === 'apiKey'
        ? await apiKeyCaller(deps, credential.value, scope, refused)
        : await memberCaller(deps, credential.value, scope, refused);
  };
}

/** The caller authenticate() verified; a route that forgot the preHandler fails closed. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new ConveyorError({ code: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
  return request.caller;
}

/** The member (JWT) authenticate() verified, on a route that takes no API key; an API key is refused. */
export function memberOf(request: FastifyRequest): UserCaller {
  const caller = callerOf(request);
  if (caller.kind !== 'user')
    throw new ConveyorError({ code: 'FORBIDDEN', message: 'this route takes a member’s token, not an API key' });
  return caller;
}

type Credential = { kind: 'token' | 'apiKey'; value: string };

/** The one credential the request carries: a bearer JWT, a bearer API key or an `x-api-key`; null when none. */
function credentialOf(request: FastifyRequest): Credential | null {
  const header = request.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  const given = request.headers[API_KEY_HEADER];
  const apiKey = Array.isArray(given) ? given.join(',') : given;
  if (apiKey && header) {
    throw new ConveyorError({
      code: 'UNAUTHORIZED',
      message: `send one credential: Authorization or ${API_KEY_HEADER}, not both`,
    });
  }
  if (apiKey) return { kind: 'apiKey', value: apiKey };
  if (!bearer) return null; // none, another scheme, or empty: a mistake, not a guess
  return { kind: isApiKeyCredential(bearer) ? 'apiKey' : 'token', value: bearer };
}

/** A member of the token's tenant; a token that does not verify is refused (and counted), a non-member is not counted. */
async function memberCaller(
  deps: AuthDeps,
  token: string,
  scope: ApiKeyScope | undefined,
  refused: Refusal,
): Promise<UserCaller> {
  const caller = await verifyToken(token, deps.jwt);
  if (!caller) throw refused(new ConveyorError({ code: 'UNAUTHORIZED', message: `${expected(scope)} is required` }));
  const role = await findMembershipRole(deps.prisma, { tenantId: caller.tenantId, userId: caller.userId });
  if (!role) throw new ConveyorError({ code: 'FORBIDDEN', message: 'the caller is not a member of the token’s tenant' });
  return caller;
}

function expected(scope: ApiKeyScope | undefined): string {
  return scope
    ? `a valid bearer token (Authorization: Bearer <jwt>) or an API key with the scope ${scope} (Authorization: Bearer cvk_…, or ${API_KEY_HEADER})`
    : 'a valid bearer token (Authorization: Bearer <jwt>)';
}
