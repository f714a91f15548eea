import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { ActionError } from './action-error';
import { HEADER_NAME, HEADER_VALUE } from './http-headers';

const headerName = z.string().regex(HEADER_NAME, 'Invalid header name');
/** A value that can go in a header as it is: no line breaks, no NUL. */
const headerSafe = z.string().min(1).regex(HEADER_VALUE, 'must not contain line breaks');

/**
 * The credentials of a connection `http.request` authenticates with (the connection's `type` picks
 * the scheme). Each is applied to the request at call time, never to its input.
 */
export const httpCredentialsSchema = z.discriminatedUnion('type', [
  /** `Authorization: Bearer <token>`. */
  z.strictObject({ type: z.literal('bearer'), token: headerSafe }),
  /** `Authorization: Basic base64(<username>:<password>)`. */
  z.strictObject({
    type: z.literal('basic'),
    username: headerSafe.refine((u) => !u.includes(':'), 'must not contain ":"'),
    password: headerSafe,
  }),
  /** `<header>: <value>`, e.g. `x-api-key`. */
  z.strictObject({ type: z.literal('apiKey'), header: headerName, value: headerSafe }),
  /**
   * `<header>: <prefix><HMAC of the raw body under secret>`; with `timestampHeader`, the current unix time
   * is sent in that header and the signed text is `<timestamp>.<raw body>` (as webhook providers sign).
   */
  z.strictObject({
    type: z.literal('hmac'),
    header: headerName,
    secret: headerSafe,
    algorithm: z.enum(['sha256', 'sha512']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    prefix: z.string().regex(HEADER_VALUE, 'must not contain line breaks').default(''),
    timestampHeader: headerName.optional(),
  }),
]);

export type HttpCredentials = z.infer<typeof httpCredentialsSchema>;

/** The request as a credential sees it: what an HMAC signs. */
export interface SignedRequest {
  body: string | undefined;
  /** Epoch ms. */
  now: number;
}

/**
 * The headers a connection adds to a request (names lower-cased), and the secret values a response
 * could echo (the header values that carry the secret, and the secret itself). A connection that is not an HTTP credential fails the step for good, naming the fields
 * that do not fit and never their values.
 */
export function credentialHeaders(
  connection: unknown,
  request: SignedRequest,
): { headers: Record<string, string>; secrets: string[] } {
  const parsed = httpCredentialsSchema.safeParse(connection);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `connection.${issue.path.join('.') || 'type'}: ${issue.message}`);
    throw new ActionError({
      kind: 'input',
      retryable: false,
      message: `the step's connection is not an HTTP credential (bearer, basic, apiKey or hmac): ${fields.join('; ')}`,
      details: { fields: parsed.error.issues.map((issue) => `connection.${issue.path.join('.')}`) },
    });
  }
  return headersOf(parsed.data, request);
}

function headersOf(credentials: HttpCredentials, request: SignedRequest): { headers: Record<string, string>; secrets: string[] } {
  switch (credentials.type) {
    case 'bearer': {
      const value = `Bearer ${credentials.token}`;
      return { headers: { authorization: value }, secrets: [value, credentials.token] };
    }
    case 'basic': {
      const value = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      return { headers: { authorization: value }, secrets: [value, value.slice('Basic '.length), credentials.password] };
    }
    case 'apiKey':
      return { headers: { [credentials.header.toLowerCase()]: credentials.value }, secrets: [credentials.value] };
    case 'hmac': {
      const timestamp = String(Math.floor(request.now / 1000));
      const signed = credentials.timestampHeader ? `${timestamp}.${request.body ?? ''}` : (request.body ?? '');
      const digest = createHmac(credentials.algorithm, credentials.secret).update(signed).digest(credentials.encoding);
      const headers: Record<string, string> = { [credentials.header.toLowerCase()]: `${credentials.prefix}${digest}` };
      if (credentials.timestampHeader) headers[credentials.timestampHeader.toLowerCase()] = timestamp;
      return { headers, secrets: [credentials.secret] };
    }
  }
}
