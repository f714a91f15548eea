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
import { createHasuraRequest } from './hasura-request';
import { type TailedLogLine, type TailOptions, tailLogs } from './log-tail';
import { parseOrThrow } from './parse-response';
import { fromRestFailure, readJson, restFetch } from './rest-request';
import {
  cancelResultSchema,
  type LogLevel,
  type LogPage,
  logPageSchema,
  type RunActionResult,
  retryResultSchema,
  runByPkResultSchema,
  runLogsResultSchema,
  runsResultSchema,
  type StepRun,
  startRunResultSchema,
  stepRunsResultSchema,
  type WorkflowRun,
} from './schemas';

/**
 * A typed client for apps. GraphQL goes to Hasura with the caller's JWT (role `user` unless
 * `role` says otherwise; the tenant comes from the token, never from arguments). Logs are read
 * from the api's REST endpoints when `apiUrl` is given, otherwise through Hasura's remote schema;
 * the live tail needs `apiUrl` (Hasura does not proxy remote subscriptions).
 */
export function createConveyorClient(options: ConveyorClientOptions): ConveyorClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const apiUrl = options.apiUrl?.replace(/\/+$/, '');

  const authHeaders = async (): Promise<Record<string, string>> => {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    return {
      ...options.headers,
      authorization: `Bearer ${token}`,
      ...(options.role ? { 'x-hasura-role': options.role } : {}),
    };
  };
  const request = createHasuraRequest(options.hasuraUrl, fetchImpl, authHeaders);

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
      return tailLogs({
        fetchImpl,
        url: `${base}/v1/runs/${encodeURIComponent(runId)}/logs/stream`,
        headers: authHeaders,
        ...opts,
      });
    },
  };
}

function actionResult(result: RunActionResult | null, action: string): RunActionResult {
  if (!result) throw new ConveyorClientError({ code: CLIENT_ERROR_CODES.badResponse, message: `${action} returned null` });
  return result;
}

function isoOrNull(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  return value instanceof Date ? value.toISOString() : value;
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
