import { createHash, timingSafeEqual } from 'node:crypto';
import { ConveyorError } from '@conveyor/errors';
import type { FastifyRequest } from 'fastify';

/** The header Hasura sends on events, actions and remote-schema calls (hasura-contract §1–3). */
export const HOOK_SECRET_HEADER = 'x-conveyor-hook-secret';

/** Compares secrets in constant time (by their digests, so lengths leak nothing either). */
export function secretsMatch(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A hook for routes only Hasura may call: a missing or wrong secret is a 401, and an address that
 * keeps failing is refused with 429 for a while (the secret is a master key: no guessing).
 */
export function requireHookSecret(expected: string) {
  return async (request: FastifyRequest) => {
    request.server.authFailures.assertAllowed(request.ip);
    const given = request.headers[HOOK_SECRET_HEADER];
    if (!secretsMatch(typeof given === 'string' ? given : undefined, expected)) {
      request.server.authFailures.recordFailure(request.ip);
      throw new ConveyorError({ code: 'UNAUTHORIZED', message: `missing or wrong ${HOOK_SECRET_HEADER} header` });
    }
  };
}
