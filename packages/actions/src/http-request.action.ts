import net from 'node:net';
import type { ErrorCode } from '@conveyor/errors';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import { type ActionContext, defineAction } from './action';
import { ActionAbortedError, ActionError, throwIfActionAborted } from './action-error';
import { createDestinationPolicy, type DestinationPolicy, destinationRefusedError } from './destination-policy';
import { createGuardedAgent } from './guarded-agent';
import { credentialHeaders } from './http-auth';
import { HEADER_NAME, HEADER_VALUE } from './http-headers';
import { decodeBody, flattenHeaders, parseRetryAfter, preview, readLimitedBody } from './http-response';

const MAX_REDIRECTS = 5;
const MiB = 1024 * 1024;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const httpRequestInputSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    url: z
      .url({ protocol: /^https?$/ })
      .refine(
        (url) => !/^[a-z]+:\/\/[^/?#]*@/i.test(url),
        'credentials in the URL are not supported; send an Authorization header',
      ),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'Invalid header name'), z.string().regex(HEADER_VALUE, 'Invalid header value'))
      .optional(),
    query: z.record(z.string(), z.union([scalar, z.array(scalar)])).optional(),
    body: z.unknown().optional().describe('object or array: sent as JSON; string: sent as is; null or absent: no body'),
    timeoutMs: z.int().min(1).max(300_000).default(10_000),
    responseType: z.enum(['auto', 'json', 'text']).default('auto'),
    failOnStatus: z.boolean().default(true),
    followRedirects: z.boolean().default(true),
    maxResponseBytes: z
      .int()
      .min(0)
      .max(64 * MiB)
      .default(5 * MiB),
  })
  .refine((input) => input.method !== 'HEAD' || input.body == null, { message: 'a HEAD request has no body', path: ['body'] });

export type HttpRequestInput = z.infer<typeof httpRequestInputSchema>;

/**
 * `core@1/http.request`: one HTTP(S) request, redirects followed (each destination re-checked),
 * through a dispatcher that refuses private destinations unless allowlisted.
 */
export const httpRequestAction = defineAction<HttpRequestInput>({
  ref: { app: 'core', version: '1', key: 'http.request' },
  name: 'HTTP request',
  description: 'Sends an HTTP(S) request and returns the status, headers and body of the response.',
  inputSchema: httpRequestInputSchema,
  async execute(input, ctx) {
    throwIfActionAborted(ctx.signal);
    const policy = createDestinationPolicy(ctx.http.allowPrivateNetworks);
    const timeout = AbortSignal.timeout(input.timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    const agent = createGuardedAgent(policy);
    let hop: Hop = authenticate(firstHop(input, ctx), ctx);
    const startedAt = ctx.now();
    try {
      for (let redirects = 0; ; redirects++) {
        assertDestination(hop.url, policy);
        const response = await request(hop.url, {
          method: hop.method,
          headers: hop.headers,
          body: hop.body,
          signal,
          dispatcher: agent.dispatcher,
        });
        const location = input.followRedirects ? redirectLocation(response) : undefined;
        if (location !== undefined) {
          await response.body.dump();
          if (redirects >= MAX_REDIRECTS) throw tooManyRedirects(hop, response.statusCode);
          const next = nextHop(hop, response.statusCode, location);
          ctx.log.debug('following redirect', { status: response.statusCode, from: safeUrl(hop.url), to: safeUrl(next.url) });
          hop = next;
          continue;
        }
        const { raw, decoded } = await readLimitedBody(response, input.maxResponseBytes);
        const headers = flattenHeaders(response.headers);
        if (decoded) {
          delete headers['content-encoding'];
          delete headers['content-length'];
        }
        const body = decodeBody(raw, headers['content-type'], input.responseType, ctx.log);
        const status = response.statusCode;
        ctx.log.info(`${hop.method} ${safeUrl(hop.url)} ${status}`, {
          method: hop.method,
          url: safeUrl(hop.url),
          status,
          durationMs: ctx.now() - startedAt,
        });
        if (input.failOnStatus && (status < 200 || status > 299)) throw statusError(hop, status, headers, body, ctx.now());
        return { kind: 'output', output: { status, headers, body } };
      }
    } catch (error) {
      const failure = classifyFailure(error, ctx.signal, timeout, input.timeoutMs);
      if (failure.kind !== 'http_status') {
        ctx.log.warn(`${hop.method} ${safeUrl(hop.url)} failed: ${failure.message}`, {
          method: hop.method,
          url: safeUrl(hop.url),
          durationMs: ctx.now() - startedAt,
          error: failure.kind,
        });
      }
      throw failure;
    } finally {
      await agent.close();
    }
  },
});

function firstHop(input: HttpRequestInput, ctx: ActionContext): Hop {
  const url = new URL(input.url);
  for (const [key, value] of Object.entries(input.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  headers['idempotency-key'] ??= ctx.idempotencyKey;
  let body: string | undefined;
  if (typeof input.body === 'string') {
    body = input.body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (input.body != null) {
    body = JSON.stringify(input.body);
    headers['content-type'] ??= 'application/json';
  }
  return { url, method: input.method, headers, body };
}

/**
 * The step's connection applied to the first request (its headers win over the input's of the same
 * name); the values that carry its secret are marked for redaction. A redirect to another origin
 * drops them with the step's other headers (nextHop).
 */
function authenticate(hop: Hop, ctx: ActionContext): Hop {
  if (!ctx.connection) return hop;
  const { headers, secrets } = credentialHeaders(ctx.connection, { body: hop.body, now: ctx.now() });
  for (const secret of secrets) ctx.redact(secret);
  return { ...hop, headers: { ...hop.headers, ...headers } };
}

/** Scheme and literal-IP checks before any connection; hostnames are checked at lookup by the agent. */
function assertDestination(url: URL, policy: DestinationPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw destinationRefusedError(url.host, `unsupported scheme ${url.protocol}`, { url: safeUrl(url) });
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (net.isIP(host) === 0) return;
  const verdict = policy.check(host);
  if (!verdict.allowed) {
    throw destinationRefusedError(host, `${verdict.range} address`, {
      address: verdict.address,
      range: verdict.range,
      url: safeUrl(url),
    });
  }
}

function redirectLocation(response: Dispatcher.ResponseData): string | undefined {
  if (![301, 302, 303, 307, 308].includes(response.statusCode)) return undefined;
  const location = response.headers.location;
  return Array.isArray(location) ? location[0] : location;
}

/**
 * Fetch's rules: 303 (and 301/302 after POST) become GET without a body. Stricter than fetch on
 * credentials: a redirect to another origin carries nothing the step added — none of its headers
 * (custom auth headers such as `x-api-key` included), and no body: a 307/308 that would send the
 * body to another origin is not followed.
 */
function nextHop(hop: Hop, status: number, location: string): Hop {
  const url = new URL(location, hop.url);
  url.username = '';
  url.password = '';
  let headers = { ...hop.headers };
  let { method, body } = hop;
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    delete headers['content-type'];
    delete headers['content-length'];
  }
  if (url.origin !== hop.url.origin) {
    if (body !== undefined) throw crossOriginBody(hop, status, url);
    headers = {};
  }
  return { url, method, headers, body };
}

function statusError(hop: Hop, status: number, headers: Record<string, string>, body: unknown, now: number): ActionError {
  const retryable = status >= 500 || status === 408 || status === 425 || status === 429;
  const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
  return new ActionError({
    kind: 'http_status',
    retryable,
    code: statusCode(status, retryable),
    message: `${hop.method} ${safeUrl(hop.url)} answered ${status}`,
    details: {
      status,
      bodyPreview: preview(typeof body === 'string' ? body : (JSON.stringify(body) ?? '')),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  });
}

function statusCode(status: number, retryable: boolean): ErrorCode {
  if (retryable) return 'DEPENDENCY_UNAVAILABLE';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  return 'VALIDATION_FAILED';
}

function crossOriginBody(hop: Hop, status: number, to: URL): ActionError {
  return new ActionError({
    kind: 'http_status',
    retryable: false,
    message: `${hop.method} ${safeUrl(hop.url)} answered ${status} to another origin (${to.origin}): not followed, the request body is not sent there`,
    details: { status, location: safeUrl(to) },
  });
}

function tooManyRedirects(hop: Hop, status: number): ActionError {
  return new ActionError({
    kind: 'http_status',
    retryable: false,
    message: `too many redirects (more than ${MAX_REDIRECTS}) from ${hop.method} ${safeUrl(hop.url)}`,
    details: { status, maxRedirects: MAX_REDIRECTS },
  });
}

/** Our own errors pass through; aborts are told apart (run signal vs. own timeout); the rest is network. */
function classifyFailure(error: unknown, runSignal: AbortSignal, timeout: AbortSignal, timeoutMs: number): ActionError {
  const own = findActionError(error);
  if (own) return own;
  if (runSignal.aborted) return new ActionAbortedError(runSignal.reason);
  const code = undiciCode(error);
  if (
    timeout.aborted ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new ActionError({
      kind: 'timeout',
      retryable: true,
      message: `request timed out after ${timeoutMs} ms`,
      cause: error,
    });
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_CHAR') {
    return new ActionError({ kind: 'input', retryable: false, message: `invalid request: ${errorMessage(error)}`, cause: error });
  }
  return new ActionError({
    kind: 'network',
    retryable: true,
    message: `request failed: ${errorMessage(error)}`,
    cause: error,
    details: code ? { errorCode: code } : {},
  });
}

/** An ActionError thrown by us, possibly wrapped by undici as a cause. */
function findActionError(error: unknown): ActionError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof ActionError) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

function undiciCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Origin and path; query values masked, since they often carry tokens. */
function safeUrl(url: URL): string {
  const keys = [...url.searchParams.keys()];
  return `${url.origin}${url.pathname}${keys.length ? `?${keys.map((key) => `${key}=***`).join('&')}` : ''}`;
}

interface Hop {
  url: URL;
  method: HttpRequestInput['method'];
  headers: Record<string, string>;
  body: string | undefined;
}
