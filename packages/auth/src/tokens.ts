import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { UserCaller } from './caller';

/** Hasura's default claims namespace (hasura-contract §5.2). */
export const HASURA_CLAIMS = 'https://hasura.io/jwt/claims';

export interface JwtSettings {
  jwtSecret: string;
  issuer: string;
  audience: string;
  /** The longest a token may live: `exp` and `iat` are required, and `exp - iat` may not exceed this. */
  maxAgeSeconds: number;
}

const claimsSchema = z.object({
  'x-hasura-allowed-roles': z.array(z.string()).min(1),
  'x-hasura-default-role': z.string().min(1),
  'x-hasura-user-id': z.string().uuid(),
  'x-hasura-tenant-id': z.string().uuid(),
});

/** Verifies an HS256 token as Hasura would and returns the member its claims name (and its expiry); null when invalid. */
export async function verifyToken(token: string, settings: JwtSettings): Promise<UserCaller | null> {
  try {
    const { payload } = await jwtVerify(token, secretKey(settings), {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: settings.maxAgeSeconds,
    });
    // jose bounds the age since `iat`; a token minted to outlive the maximum is refused as well.
    if ((payload.exp as number) - (payload.iat as number) > settings.maxAgeSeconds) return null;
    const claims = claimsSchema.safeParse(payload[HASURA_CLAIMS]);
    if (!claims.success) return null;
    return {
      kind: 'user',
      tenantId: claims.data['x-hasura-tenant-id'],
      userId: claims.data['x-hasura-user-id'],
      role: claims.data['x-hasura-default-role'],
      expiresAt: new Date((payload.exp as number) * 1_000),
    };
  } catch {
    return null;
  }
}

/** Mints a token with the claims Hasura expects: the api's token exchange (POST /v1/session/tenant), development and tests. */
export async function mintToken(
  caller: { tenantId: string; userId: string },
  settings: JwtSettings,
  ttlSeconds = 3_600,
): Promise<string> {
  if (ttlSeconds > settings.maxAgeSeconds) {
    throw new RangeError(
      `a token may live at most ${settings.maxAgeSeconds} s (AUTH_JWT_MAX_AGE_SECONDS); asked for ${ttlSeconds} s`,
    );
  }
  return new SignJWT({
    [HASURA_CLAIMS]: {
      'x-hasura-allowed-roles': ['user', 'tenant_admin'],
      'x-hasura-default-role': 'user',
      'x-hasura-user-id': caller.userId,
      'x-hasura-tenant-id': caller.tenantId,
    },
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(caller.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(secretKey(settings));
}

function secretKey(settings: JwtSettings): Uint8Array {
  return new TextEncoder().encode(settings.jwtSecret);
}
