import { ClientError, GraphQLClient } from 'graphql-request';
import type { z } from 'zod';
import {
  CANCEL_WORKFLOW_RUN,
  GET_WORKFLOW_RUN,
  LIST_STEP_RUNS,
  RETRY_WORKFLOW_RUN,
  RUN_LOGS,
  START_WORKFLOW_RUN,
  WORKFLOW_RUN_BY_IDEMPOTENCY_KEY,
} from './documents';
import { CLIENT_ERROR_CODES, ConveyorClientError } from './errors';
import {
  cancelResultSchema,
  type LogLevel,
  type LogLine,
  type LogPage,
  logLineSchema,
  logPageSchema,
  type RunActionResult,
  type RunStatus,
  restErrorSchema,
  retryResultSchema,
  runByPkResultSchema,
  runLogsResultSchema,
  runsResultSchema,
  type StepRun,
  startRunResultSchema,
  stepRunsResultSchema,
  tailEndSchema,
  type WorkflowRun,
} from './schemas';
import { parseServerSentEvents } from './sse';

/**
 * A typed client for apps. GraphQL goes to Hasura with the caller's JWT (role `user` unless
 * `role` says otherwise; the tenant comes from the token, never from arguments). Logs are read
 * from the api's REST endpoints when `apiUrl` is given, otherwise through Hasura's remote schema;
 * the live tail needs `apiUrl` (Hasura does not proxy remote subscriptions).
 */
export function createConveyorClient(options: ConveyorClientOptions): ConveyorClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const graphql = new GraphQLClient(options.hasuraUrl, { fetch: fetchImpl });
  const apiUrl = options.apiUrl?.replace(/\/+$/, '');

  const authHeaders = async (): Promise<Record<string, string>> => {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    return {
      ...options.headers,
      authorization: `Bearer ${token}`,
      ...(options.role ? { 'x-hasura-role': options.role } : {}),
    };
  };

  async function request<S extends z.ZodType>(
    document: string,
    variables: Record<string, unknown>,
    schema: S,
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    let data: unknown;
    try {
      data = await graphql.request({ document, variables, requestHeaders: await authHeaders(), ...(signal ? { signal } : {}) });
    } catch (error) {
      throw fromGraphqlFailure(error);
    }
    return parseOrThrow(schema, data, 'GraphQL response');
  }

  function requireApiUrl(what: string): string {
    if (!apiUrl) {
      throw new ConveyorClientError({
        code: CLIENT_ERROR_CODES.configuration,
        message: `${what} needs the client's apiUrl option`,
      });
    }
    return apiUrl;
  }

  async function getRun(runId: string, opts: CallOptions = {}): Promise<WorkflowRun | null> {
    return (await request(GET_WORKFLOW_RUN, { runId }, runByPkResultSchema, opts.signal)).WorkflowRun_by_pk;
  }

  return {
    async startRun(workflowId, input = {}, opts = {}) {
      const object = {
        workflowId,
        input,
        ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
        ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      };
      try {
        const { insert_WorkflowRun_one: run } = await request(START_WORKFLOW_RUN, { object }, startRunResultSchema, opts.signal);
        if (!run) throw new ConveyorClientError({ code: 'permission-error', message: 'the run was not inserted' });
        return { run, created: true };
      } catch (error) {
        // The same key again: (tenantId, idempotencyKey) is unique, so answer the run it started.
        if (opts.idempotencyKey !== undefined && error instanceof ConveyorClientError && error.code === 'constraint-violation') {
          const { WorkflowRun: runs } = await request(
            WORKFLOW_RUN_BY_IDEMPOTENCY_KEY,
            { idempotencyKey: opts.idempotencyKey },
            runsResultSchema,
            opts.signal,
          );
          if (runs[0]) return { run: runs[0], created: false };
        }
        throw error;
      }
    },

    getRun,

    async listStepRuns(runId, opts = {}) {
      return (await request(LIST_STEP_RUNS, { runId }, stepRunsResultSchema, opts.signal)).StepRun;
    },

    async cancelRun(runId, reason, opts = {}) {
      const result = await request(CANCEL_WORKFLOW_RUN, { runId, reason: reason ?? null }, cancelResultSchema, opts.signal);
      return actionResult(result.cancelWorkflowRun, 'cancelWorkflowRun');
    },

    async retryRun(runId, opts = {}) {
      const result = await request(RETRY_WORKFLOW_RUN, { runId }, retryResultSchema, opts.signal);
      return actionResult(result.retryWorkflowRun, 'retryWorkflowRun');
    },

    async runLogs(runId, opts = {}) {
      const via = opts.via ?? (apiUrl ? 'api' : 'hasura');
      if (via === 'hasura') {
        const variables = {
          workflowRunId: runId,
          stepRunId: opts.stepRunId ?? null,
          minLevel: opts.minLevel ?? null,
          since: isoOrNull(opts.since),
          until: isoOrNull(opts.until),
          limit: opts.limit ?? null,
          cursor: opts.cursor ?? null,
          order: opts.order ?? null,
        };
        return (await request(RUN_LOGS, variables, runLogsResultSchema, opts.signal)).runLogs;
      }
      const url = new URL(`${requireApiUrl('runLogs')}/v1/runs/${encodeURIComponent(runId)}/logs`);
      const query: Record<string, string | undefined> = {
        stepRunId: opts.stepRunId,
        level: opts.minLevel,
        since: isoOrNull(opts.since) ?? undefined,
        until: isoOrNull(opts.until) ?? undefined,
        limit: opts.limit === undefined ? undefined : String(opts.limit),
        cursor: opts.cursor,
        order: opts.order,
      };
      for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
      const response = await restFetch(fetchImpl, url, { headers: await authHeaders(), signal: opts.signal });
      if (!response.ok) throw await fromRestFailure(response);
      return parseOrThrow(logPageSchema, await readJson(response), 'log page');
    },

    tailLogs(runId, opts = {}) {
      const base = requireApiUrl('tailLogs');
      return tail({ fetchImpl, url: `${base}/v1/runs/${encodeURIComponent(runId)}/logs/stream`, headers: authHeaders, ...opts });
    },
  };
}

// ---------------------------------------------------------------------------------------------

async function* tail(
  opts: TailOptions & { fetchImpl: typeof fetch; url: string; headers: () => Promise<Record<string, string>> },
) {
  const { retryDelayMs = 1_000, maxRetries = 5 } = opts;
  const url = new URL(opts.url);
  if (opts.stepRunId) url.searchParams.set('stepRunId', opts.stepRunId);
  if (opts.minLevel) url.searchParams.set('level', opts.minLevel);
  // Stops the request when the consumer stops iterating, as well as on the caller's signal.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let cursor = opts.cursor;
  let failures = 0;
  let delayMs = retryDelayMs;
  try {
    while (!stop.signal.aborted) {
      let lastFailure: unknown;
      try {
        const headers = {
          ...(await opts.headers()),
          accept: 'text/event-stream',
          ...(cursor ? { 'last-event-id': cursor } : {}),
        };
        const response = await restFetch(opts.fetchImpl, url, { headers, signal: stop.signal });
        if (!response.ok || !response.body) {
          const error = await fromRestFailure(response);
          // A client mistake (bad token, unknown run) does not get better by reconnecting.
          if (response.status < 500 && response.status !== 408 && response.status !== 429) throw error;
          lastFailure = error;
        } else {
          for await (const event of parseServerSentEvents(response.body)) {
            if (event.retry !== undefined) delayMs = event.retry;
            if (event.event === 'log') {
              const line = parseOrThrow(logLineSchema, parseJson(event.data, 'log event'), 'log event');
              cursor = event.id ?? cursor;
              failures = 0;
              yield { ...line, cursor: cursor ?? line.id };
            } else if (event.event === 'end') {
              const end = parseOrThrow(tailEndSchema, parseJson(event.data, 'end event'), 'end event');
              opts.onEnd?.({ status: end.status, cursor });
              return;
            } else if (event.event === 'error') {
              lastFailure = new ConveyorClientError({ code: CLIENT_ERROR_CODES.tailInterrupted, message: event.data });
              break;
            }
          }
        }
      } catch (error) {
        if (stop.signal.aborted) return;
        if (error instanceof ConveyorClientError && error.code !== CLIENT_ERROR_CODES.network) throw error;
        lastFailure = error;
      }
      // The stream ended without `event: end`: reconnect from the last line seen (Last-Event-ID).
      failures++;
      if (failures > maxRetries) {
        throw new ConveyorClientError({
          code: CLIENT_ERROR_CODES.tailInterrupted,
          message: `the log tail failed ${failures} times in a row`,
          cause: lastFailure,
          ...(cursor ? { details: { cursor } } : {}),
        });
      }
      await sleep(delayMs, stop.signal);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

async function restFetch(
  fetchImpl: typeof fetch,
  url: URL,
  init: { headers: Record<string, string>; signal?: AbortSignal | undefined },
) {
  try {
    return await fetchImpl(url, { headers: init.headers, ...(init.signal ? { signal: init.signal } : {}) });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ConveyorClientError({ code: CLIENT_ERROR_CODES.network, message: `${url.origin} is unreachable`, cause: error });
  }
}

function fromGraphqlFailure(error: unknown): unknown {
  if (error instanceof ClientError) {
    const first = error.response.errors?.[0] as
      | { message?: string; path?: unknown; extensions?: Record<string, unknown> }
      | undefined;
    const { code, path, ...details } = first?.extensions ?? {};
    const status = error.response.status;
    return new ConveyorClientError({
      code: typeof code === 'string' ? code : `HTTP_${status}`,
      message: first?.message ?? `Hasura answered HTTP ${status}`,
      status,
      ...(typeof path === 'string' ? { path } : Array.isArray(first?.path) ? { path: first.path.join('.') } : {}),
      details,
      cause: error,
    });
  }
  if (error instanceof ConveyorClientError || (error instanceof Error && error.name === 'AbortError')) return error;
  if (error instanceof TypeError) {
    return new ConveyorClientError({
      code: CLIENT_ERROR_CODES.network,
      message: `Hasura is unreachable: ${error.message}`,
      cause: error,
    });
  }
  return new ConveyorClientError({ code: CLIENT_ERROR_CODES.badResponse, message: String(error), cause: error });
}

async function fromRestFailure(response: Response): Promise<ConveyorClientError> {
  const text = await response.text().catch(() => '');
  const body = restErrorSchema.safeParse(safeJson(text));
  if (body.success) {
    const { code, message, details } = body.data.error;
    return new ConveyorClientError({ code, message, status: response.status, ...(details ? { details } : {}) });
  }
  return new ConveyorClientError({
    code: `HTTP_${response.status}`,
    message: `the api answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    status: response.status,
  });
}

function actionResult(result: RunActionResult | null, action: string): RunActionResult {
  if (!result) throw new ConveyorClientError({ code: CLIENT_ERROR_CODES.badResponse, message: `${action} returned null` });
  return result;
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConveyorClientError({
    code: CLIENT_ERROR_CODES.badResponse,
    message: `unexpected ${what}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
  });
}

async function readJson(response: Response): Promise<unknown> {
  return parseJson(await response.text(), 'response body');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConveyorClientError({ code: CLIENT_ERROR_CODES.badResponse, message: `${what} is not JSON`, cause: error });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isoOrNull(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  return value instanceof Date ? value.toISOString() : value;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

// ---------------------------------------------------------------------------------------------

export interface ConveyorClientOptions {
  /** Hasura's GraphQL endpoint, e.g. `http://localhost:8080/v1/graphql`. */
  hasuraUrl: string;
  /** The caller's JWT (Hasura claims), or a function that returns a fresh one per request. */
  token: string | (() => string | Promise<string>);
  /** The api's base URL, e.g. `http://localhost:3000`: log pages over REST and the live tail. */
  apiUrl?: string;
  /** Sent as `x-hasura-role`; without it Hasura uses the token's default role (`user`). */
  role?: string;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface StartRunOptions extends CallOptions {
  /** Unique per tenant: starting again with the same key answers the run it started (`created: false`). */
  idempotencyKey?: string;
  priority?: number;
}

export interface RunLogsOptions extends CallOptions {
  stepRunId?: string;
  /** The minimum level: `WARN` returns WARN and ERROR lines. */
  minLevel?: LogLevel;
  since?: Date | string;
  until?: Date | string;
  /** 1–1000, default 100. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  order?: 'asc' | 'desc';
  /** `api` (REST, the default when `apiUrl` is set) or `hasura` (remote schema field `runLogs`). */
  via?: 'api' | 'hasura';
}

export interface TailOptions {
  /** Resume after this line (a previous line's `cursor`); sent as Last-Event-ID. */
  cursor?: string;
  stepRunId?: string;
  minLevel?: LogLevel;
  /** Ends the iteration (without an error) when aborted. */
  signal?: AbortSignal;
  /** Wait before reconnecting, unless the server sent `retry:`. Default 1000 ms. */
  retryDelayMs?: number;
  /** Reconnections in a row without a new line before giving up. Default 5. */
  maxRetries?: number;
  /** Called once when the server ends the tail because the run finished. */
  onEnd?: (end: { status: RunStatus; cursor: string | undefined }) => void;
}

/** A tailed line and the cursor to resume after it. */
export type TailedLogLine = LogLine & { cursor: string };

export interface ConveyorClient {
  /** `insert_WorkflowRun_one`: a PENDING run of the caller's tenant. */
  startRun(workflowId: string, input?: unknown, opts?: StartRunOptions): Promise<{ run: WorkflowRun; created: boolean }>;
  /** `WorkflowRun_by_pk`; null when the run does not exist or belongs to another tenant. */
  getRun(runId: string, opts?: CallOptions): Promise<WorkflowRun | null>;
  /** The run's steps, oldest first. */
  listStepRuns(runId: string, opts?: CallOptions): Promise<StepRun[]>;
  /** The `cancelWorkflowRun` action. */
  cancelRun(runId: string, reason?: string, opts?: CallOptions): Promise<RunActionResult>;
  /** The `retryWorkflowRun` action. */
  retryRun(runId: string, opts?: CallOptions): Promise<RunActionResult>;
  /** One page of the run's execution logs. */
  runLogs(runId: string, opts?: RunLogsOptions): Promise<LogPage>;
  /** Every line from `cursor` on, then new ones as they are written, until the run has finished. */
  tailLogs(runId: string, opts?: TailOptions): AsyncIterable<TailedLogLine>;
}
