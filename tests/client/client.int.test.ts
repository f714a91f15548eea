/**
 * The client's log calls against the real api (built in-process, listening on a free port): REST
 * pages, the remote-schema document executed by the api's /graphql/logs as Hasura would forward it,
 * and the SSE tail, including a dropped connection resumed with Last-Event-ID.
 */

import {
  type ConveyorClient,
  ConveyorClientError,
  createConveyorClient,
  type LogLine,
  type TailedLogLine,
} from '@conveyor/client';
import { createBatchingWriter, type LogLevel } from '@conveyor/logs';
import { createLogger } from '@conveyor/observability';
import { insertRun, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../apps/api/test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const levels: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
const LINES = 12;
const base = Date.parse('2026-02-01T00:00:00Z');
const stepA = crypto.randomUUID();
const stepB = crypto.randomUUID();
/** No Hasura runs here: GraphQL calls to it would fail, and these tests make none. */
const NO_HASURA = 'http://127.0.0.1:9/v1/graphql';

let api: TestApi;
let apiUrl: string;
let tenant: TenantFixture & { token: string };
let runId: string;
let client: ConveyorClient;

async function writeLines(lines: { workflowRunId: string; stepRunId?: string; level: LogLevel; message: string; at: number }[]) {
  const writer = createBatchingWriter({ store: api.logStore, log: createLogger({ service: 'test', level: 'silent' }) });
  for (const { at, ...line } of lines) writer.write({ ...line, tenantId: tenant.tenantId, timestamp: new Date(at) });
  await writer.close();
}

async function finishRun(id: string, secondsAgo = 10) {
  await api.db.prisma.workflowRun.update({
    where: { id },
    data: { status: 'SUCCEEDED', finishedAt: new Date(Date.now() - secondsAgo * 1_000) },
  });
}

async function collect(lines: AsyncIterable<TailedLogLine>, limit = Number.POSITIVE_INFINITY): Promise<TailedLogLine[]> {
  const seen: TailedLogLine[] = [];
  for await (const line of lines) {
    seen.push(line);
    if (seen.length >= limit) break;
  }
  return seen;
}

beforeAll(async () => {
  api = await createTestApi({ label: 'client' });
  const fixture = await seedWorkflow(api.db.prisma, definition);
  tenant = { ...fixture, token: await api.tokenFor(fixture) };
  runId = await insertRun(api.db.prisma, fixture);
  await writeLines(
    Array.from({ length: LINES }, (_, i) => ({
      workflowRunId: runId,
      stepRunId: i % 2 === 0 ? stepA : stepB,
      level: levels[i % 4] as LogLevel,
      message: `line ${i}`,
      at: base + i * 1_000,
    })),
  );
  await finishRun(runId, 60);
  apiUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  client = createConveyorClient({ hasuraUrl: NO_HASURA, token: tenant.token, apiUrl });
});
afterAll(async () => {
  await api?.close();
});

const messages = (lines: LogLine[]) => lines.map((line) => line.message);
const all = Array.from({ length: LINES }, (_, i) => `line ${i}`);

describe('runLogs over the api (REST)', () => {
  it('pages through every line once, in either order, following nextCursor', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const seen: LogLine[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.runLogs(runId, { limit: 5, order, ...(cursor ? { cursor } : {}) });
        seen.push(...page.lines);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(messages(seen)).toEqual(order === 'asc' ? all : [...all].reverse());
    }
  });

  it('filters by step, minimum level and time, and answers lines in one shape', async () => {
    const page = await client.runLogs(runId, {
      stepRunId: stepA,
      minLevel: 'WARN',
      since: new Date(base + 1_000),
      until: new Date(base + 10_500).toISOString(),
    });
    // stepA: even i; WARN/ERROR: i % 4 in {2, 3}; 1–10.5 s → i = 2, 6, 10.
    expect(messages(page.lines)).toEqual(['line 2', 'line 6', 'line 10']);
    expect(page.lines[0]).toEqual({
      id: expect.any(String),
      workflowRunId: runId,
      stepRunId: stepA,
      level: 'WARN',
      message: 'line 2',
      context: null,
      timestamp: new Date(base + 2_000).toISOString(),
    });
  });

  it('throws typed errors with the api’s code: NOT_FOUND for another tenant’s run, UNAUTHORIZED for a bad token', async () => {
    const other = await seedWorkflow(api.db.prisma, definition);
    const outsider = createConveyorClient({ hasuraUrl: NO_HASURA, token: await api.tokenFor(other), apiUrl });
    const notFound = await outsider.runLogs(runId).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(ConveyorClientError);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', status: 404 });

    const badToken = createConveyorClient({ hasuraUrl: NO_HASURA, token: () => Promise.resolve('not-a-jwt'), apiUrl });
    await expect(badToken.runLogs(runId)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    await expect(client.runLogs(runId, { limit: 5_000 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
  });
});

describe('runLogs through the remote schema document', () => {
  it('reads the same page from /graphql/logs as Hasura forwards it (secret + the session as x-hasura-* headers)', async () => {
    // The api's logs GraphQL endpoint stands in for Hasura: the RUN_LOGS document runs unchanged.
    const viaHasura = createConveyorClient({
      hasuraUrl: `${apiUrl}/graphql/logs`,
      token: 'ignored-by-the-remote-schema',
      headers: {
        'x-conveyor-hook-secret': TEST_HOOK_SECRET,
        'x-hasura-role': 'user',
        'x-hasura-tenant-id': tenant.tenantId,
        'x-hasura-user-id': tenant.userId,
      },
    });
    const page = await viaHasura.runLogs(runId, { minLevel: 'ERROR', limit: 2 });
    expect(messages(page.lines)).toEqual(['line 3', 'line 7']);
    expect(page.nextCursor).toEqual(expect.any(String));
    const rest = await client.runLogs(runId, { minLevel: 'ERROR', limit: 2 });
    expect(page).toEqual(rest);

    const next = await viaHasura.runLogs(runId, { minLevel: 'ERROR', cursor: page.nextCursor ?? '' });
    expect(messages(next.lines)).toEqual(['line 11']);
  });

  it('turns a GraphQL error into a ConveyorClientError with its extensions.code', async () => {
    const forged = createConveyorClient({
      hasuraUrl: `${apiUrl}/graphql/logs`,
      token: 'x',
      headers: { 'x-hasura-tenant-id': tenant.tenantId },
    });
    await expect(forged.runLogs(runId)).rejects.toMatchObject({ name: 'ConveyorClientError', code: 'UNAUTHORIZED' });
  });
});

describe('tailLogs (SSE)', () => {
  it('yields every line of a finished run with its cursor, then ends with the run status', async () => {
    const ends: unknown[] = [];
    const lines = await collect(client.tailLogs(runId, { onEnd: (end) => ends.push(end) }));
    expect(messages(lines)).toEqual(all);
    expect(new Set(lines.map((line) => line.cursor)).size).toBe(LINES);
    expect(ends).toEqual([{ status: 'SUCCEEDED', cursor: lines.at(-1)?.cursor }]);
  });

  it('resumes after a cursor and filters by level', async () => {
    const first = await collect(client.tailLogs(runId), 5);
    const rest = await collect(client.tailLogs(runId, { cursor: first.at(-1)?.cursor ?? '' }));
    expect(messages([...first, ...rest])).toEqual(all);
    const errors = await collect(client.tailLogs(runId, { minLevel: 'ERROR' }));
    expect(messages(errors)).toEqual(['line 3', 'line 7', 'line 11']);
  });

  it('streams lines written while it runs, until the run finishes', async () => {
    const live = await insertRun(api.db.prisma, tenant);
    const now = Date.now();
    await writeLines([{ workflowRunId: live, level: 'INFO', message: 'early', at: now }]);
    const seen: string[] = [];
    for await (const line of client.tailLogs(live)) {
      seen.push(line.message);
      if (line.message === 'early') {
        await writeLines(
          [1, 2, 3].map((i) => ({ workflowRunId: live, level: 'INFO' as const, message: `late ${i}`, at: now + i })),
        );
        await finishRun(live);
      }
    }
    expect(seen).toEqual(['early', 'late 1', 'late 2', 'late 3']);
  });

  it('reconnects after a dropped connection with Last-Event-ID, losing and repeating nothing', async () => {
    const requests: Headers[] = [];
    let drops = 2;
    // Passes the first three events of a response through, then ends it as a broken connection would.
    const flakyFetch: typeof fetch = async (input, init) => {
      requests.push(new Headers(init?.headers));
      const response = await fetch(input, init);
      if (drops === 0 || !response.body) return response;
      drops--;
      return new Response(firstEvents(response.body, 3), { status: response.status, headers: response.headers });
    };
    const flaky = createConveyorClient({ hasuraUrl: NO_HASURA, token: tenant.token, apiUrl, fetch: flakyFetch });
    const lines = await collect(flaky.tailLogs(runId, { retryDelayMs: 10 }));
    expect(messages(lines)).toEqual(all);
    expect(requests).toHaveLength(3);
    expect(requests[0]?.get('last-event-id')).toBeNull();
    expect(requests[1]?.get('last-event-id')).toBe(lines[2]?.cursor);
    expect(requests[2]?.get('last-event-id')).toBe(lines[5]?.cursor);
    expect(requests.every((headers) => headers.get('authorization') === `Bearer ${tenant.token}`)).toBe(true);
  });

  it('gives up with TAIL_INTERRUPTED when reconnecting keeps failing, and throws 4xx at once', async () => {
    let calls = 0;
    const down: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const offline = createConveyorClient({ hasuraUrl: NO_HASURA, token: tenant.token, apiUrl, fetch: down });
    await expect(collect(offline.tailLogs(runId, { retryDelayMs: 1, maxRetries: 2 }))).rejects.toMatchObject({
      code: 'TAIL_INTERRUPTED',
    });
    expect(calls).toBe(3);

    const missing = collect(client.tailLogs(crypto.randomUUID(), { retryDelayMs: 1 }));
    await expect(missing).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('ends quietly when the caller aborts', async () => {
    const live = await insertRun(api.db.prisma, tenant);
    const stop = new AbortController();
    const seen: string[] = [];
    setTimeout(() => stop.abort(), 300);
    for await (const line of client.tailLogs(live, { signal: stop.signal })) seen.push(line.message);
    expect(seen).toEqual([]);
    expect(stop.signal.aborted).toBe(true);
  });

  it('needs apiUrl', () => {
    const noApi = createConveyorClient({ hasuraUrl: NO_HASURA, token: tenant.token });
    expect(() => noApi.tailLogs(runId)).toThrow(ConveyorClientError);
  });
});

/** A stream with `body` up to and including its `count`-th log event (comments pass through), then closed. */
function firstEvents(body: ReadableStream<Uint8Array>, count: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let text = '';
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) text += decoder.decode(value, { stream: true });
      const blocks = text.split('\n\n');
      const complete = blocks.slice(0, -1);
      const logs = complete.map((block, index) => ({ block, index })).filter(({ block }) => block.includes('event: log'));
      const last = logs[count - 1];
      if (done || last) {
        const kept = last ? complete.slice(0, last.index + 1) : complete;
        controller.enqueue(encoder.encode(`${kept.join('\n\n')}\n\n`));
        controller.close();
        await reader.cancel();
      }
    },
    async cancel() {
      await reader.cancel();
    },
  });
}
