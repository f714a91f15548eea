import { mintToken } from '@conveyor/auth';
import { createConveyorClient, isConveyorClientError, type LogLevel, type RunStatus, type TailedLogLine } from '@conveyor/client';
import { loadApiConfig } from '@conveyor/config';
import { ConveyorError } from '@conveyor/errors';
import { type Command, oneOf, parseCommand, UsageError, uuidArgument } from '../args';
import { createOutput, type Output } from '../output';
import { DEFAULT_TENANT, findMember, findTenant, withDatabase } from '../resources';

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const satisfies readonly LogLevel[];
/** The tail's token only has to outlive the tail; a long one is minted so a slow run does not outlive it. */
const TOKEN_TTL_SECONDS = 12 * 3_600;

const spec = {
  positionals: ['runId'],
  options: {
    tenant: { type: 'string', default: DEFAULT_TENANT },
    user: { type: 'string' },
    level: { type: 'string' },
    'api-url': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
} as const;

/**
 * `conveyor logs tail`: the run's execution logs through the api's SSE tail
 * (`GET /v1/runs/:runId/logs/stream`), as a member of the tenant, until the run has finished.
 */
export const logsTailCommand: Command = {
  name: 'logs tail',
  usage: `Usage: conveyor logs tail <runId> [--tenant <slug>] [--user <email>] [--level <level>] [--api-url <url>] [--json]

Reads the run's execution logs through the api (GET /v1/runs/<runId>/logs/stream, Server-Sent
Events) with a token minted for a member of the tenant, and follows them until the run has
finished and its last lines are in.

Options:
  --tenant <slug>    tenant of the run (default: ${DEFAULT_TENANT})
  --user <email>     member to read as (default: the tenant's first ADMIN member)
  --level <level>    minimum level: ${LEVELS.join(', ')} (default: every line)
  --api-url <url>    the api (default: http://127.0.0.1:$API_PORT)
  --json             NDJSON: {"type":"log", …line} per line, then {"type":"end","status"}

Exit codes: 0 the tail ended with the run, 1 the api refused or could not be reached, 2 bad arguments.`,

  async run(argv) {
    const { values, positionals } = parseCommand(argv, spec);
    const runId = uuidArgument('runId', positionals.runId);
    const minLevel = oneOf('--level', values.level, LEVELS);
    const out = createOutput({ json: values.json });
    const config = loadApiConfig();
    const apiUrl = apiUrlOption(values['api-url']) ?? `http://127.0.0.1:${config.http.port}`;

    const member = await withDatabase(config, async ({ prisma }) =>
      findMember(prisma, await findTenant(prisma, values.tenant), values.user),
    );
    const token = await mintToken(member, config.auth, TOKEN_TTL_SECONDS);
    // Only the api's REST endpoints are used; the client's GraphQL endpoint (Hasura) is never called.
    const client = createConveyorClient({ hasuraUrl: `${apiUrl}/v1/graphql`, apiUrl, token });

    let ended: RunStatus | null = null;
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    try {
      for await (const line of client.tailLogs(runId, {
        signal: stop.signal,
        retryDelayMs: 500,
        ...(minLevel ? { minLevel } : {}),
        onEnd: (end) => {
          ended = end.status;
        },
      })) {
        printLine(out, line);
      }
    } catch (error) {
      throw fromClientError(error, runId, apiUrl);
    }
    if (ended === null) return stop.signal.aborted ? 130 : 1;
    if (out.json) out.data({ type: 'end', status: ended });
    else out.note(`run ${runId} ${ended}`);
    return 0;
  },
};

function printLine(out: Output, line: TailedLogLine) {
  if (out.json) {
    out.data({ type: 'log', ...line });
    return;
  }
  const step = line.stepRunId ? ` [${line.stepRunId.slice(0, 8)}]` : '';
  const context = line.context && Object.keys(line.context).length > 0 ? ` ${JSON.stringify(line.context)}` : '';
  out.text(`${line.timestamp} ${line.level.padEnd(5)}${step} ${line.message}${context}`);
}

function apiUrlOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--api-url must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function fromClientError(error: unknown, runId: string, apiUrl: string): unknown {
  if (!isConveyorClientError(error)) return error;
  const unreachable =
    error.code === 'NETWORK_ERROR' || (error.code === 'TAIL_INTERRUPTED' && isConveyorClientError(error.cause, 'NETWORK_ERROR'));
  const message =
    error.status === 404
      ? `run ${runId} not found in the tenant (${error.message})`
      : unreachable
        ? `the api at ${apiUrl} is unreachable (--api-url, API_PORT)`
        : `the api refused the tail: ${error.code}: ${error.message}`;
  return new ConveyorError({
    code: error.status === 404 ? 'NOT_FOUND' : 'DEPENDENCY_UNAVAILABLE',
    message,
    cause: error,
  });
}
