import { createBatchingWriter, type LogLevel } from '@conveyor/logs';
import { createLogger } from '@conveyor/observability';
import { insertRun, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const levels: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

let api: TestApi;
let a: TenantFixture & { runId: string; token: string };
let b: TenantFixture & { runId: string; token: string };
const stepA = crypto.randomUUID();
const stepB = crypto.randomUUID();
const base = Date.parse('2026-01-01T00:00:00Z');

async function tenant(): Promise<TenantFixture & { runId: string; token: string }> {
  const fixture = await seedWorkflow(api.db.prisma, definition);
  const runId = await insertRun(api.db.prisma, fixture);
  return { ...fixture, runId, token: await api.tokenFor(fixture) };
}

async function writeLines(
  lines: { tenantId: string; workflowRunId: string; stepRunId?: string; level: LogLevel; message: string; at: number }[],
) {
  const writer = createBatchingWriter({ store: api.logStore, log: createLogger({ service: 'test', level: 'silent' }) });
  for (const { at, ...line } of lines) writer.write({ ...line, timestamp: new Date(at) });
  await writer.close();
}

beforeAll(async () => {
  api = await createTestApi({ label: 'logs' });
  a = await tenant();
  b = await tenant();
  await writeLines(
    Array.from({ length: 25 }, (_, i) => ({
      tenantId: a.tenantId,
      workflowRunId: a.runId,
      stepRunId: i % 2 === 0 ? stepA : stepB,
      level: levels[i % 4] as LogLevel,
      message: `line ${i}`,
      at: base + i * 1_000,
    })),
  );
});
afterAll(async () => {
  await api.close();
});

const get = (url: string, token?: string) =>
  api.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /v1/runs/:runId/logs', () => {
  it('pages through every line exactly once, oldest first or newest first', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=7&order=${order}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const response = await get(`/v1/runs/${a.runId}/logs?${query}`, a.token);
        expect(response.statusCode).toBe(200);
        const page = response.json() as { lines: { message: string }[]; nextCursor: string | null };
        seen.push(...page.lines.map((line) => line.message));
        cursor = page.nextCursor;
      } while (cursor);
      const expected = Array.from({ length: 25 }, (_, i) => `line ${i}`);
      expect(seen).toEqual(order === 'asc' ? expected : expected.reverse());
    }
  });

  it('combines step, minimum level and time filters', async () => {
    const since = new Date(base + 4_000).toISOString();
    const until = new Date(base + 20_000).toISOString();
    const response = await get(`/v1/runs/${a.runId}/logs?stepRunId=${stepA}&level=WARN&since=${since}&until=${until}`, a.token);
    const messages = (response.json() as { lines: { message: string; level: string }[] }).lines.map((line) => line.message);
    // even lines are stepA; WARN/ERROR are i % 4 in {2, 3}; within 4..20 s: i = 6, 10, 14, 18.
    expect(messages).toEqual(['line 6', 'line 10', 'line 14', 'line 18']);
  });

  it('answers 404 for another tenant’s run, 401 without a token, 403 for a non-member', async () => {
    expect((await get(`/v1/runs/${a.runId}/logs`, b.token)).statusCode).toBe(404);
    expect((await get(`/v1/runs/${b.runId}/logs`, b.token)).json()).toEqual({ lines: [], nextCursor: null });
    expect((await get(`/v1/runs/${a.runId}/logs`)).statusCode).toBe(401);
    const stranger = await api.db.prisma.user.create({ data: { email: `stranger-${crypto.randomUUID()}@x.test` } });
    const forged = await api.tokenFor({ tenantId: a.tenantId, userId: stranger.id });
    expect((await get(`/v1/runs/${a.runId}/logs`, forged)).statusCode).toBe(403);
  });

  it('answers 400 naming the parameter for a bad limit, level or cursor', async () => {
    const limit = await get(`/v1/runs/${a.runId}/logs?limit=5000`, a.token);
    expect(limit.statusCode).toBe(400);
    expect(limit.json().error.message).toContain('querystring.limit');
    expect((await get(`/v1/runs/${a.runId}/logs?level=LOUD`, a.token)).json().error.message).toContain('querystring.level');
    const cursor = await get(`/v1/runs/${a.runId}/logs?cursor=not-a-cursor`, a.token);
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().error.message).toContain('cursor');
  });
});

describe('GET /v1/runs/:runId/logs/stream', () => {
  it('delivers the lines written after it began, then ends once the run is finished', async () => {
    const run = await tenant();
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/v1/runs/${run.runId}/logs/stream`, {
      headers: { authorization: `Bearer ${run.token}` },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body?.getReader();
    const events: string[] = [];
    const reading = (async () => {
      let text = '';
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      events.push(...text.split('\n\n').filter(Boolean));
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = Date.now();
    await writeLines(
      [1, 2, 3].map((i) => ({
        tenantId: run.tenantId,
        workflowRunId: run.runId,
        level: 'INFO' as const,
        message: `late ${i}`,
        at: now + i,
      })),
    );
    await api.db.prisma.workflowRun.update({
      where: { id: run.runId },
      data: { status: 'SUCCEEDED', finishedAt: new Date(now - 5_000) },
    });
    await reading;
    const logs = events
      .filter((event) => event.includes('event: log'))
      .map((event) => JSON.parse(event.split('data: ')[1] ?? '{}').message);
    expect(logs).toEqual(['late 1', 'late 2', 'late 3']);
    expect(events.at(-1)).toContain('event: end');
    expect(events.at(-1)).toContain('SUCCEEDED');
    expect(events.filter((event) => event.includes('event: log')).every((event) => event.startsWith('id: '))).toBe(true);
  });

  it('answers 404 before streaming another tenant’s run', async () => {
    expect((await get(`/v1/runs/${a.runId}/logs/stream`, b.token)).statusCode).toBe(404);
  });
});

/** What Hasura sends a remote schema for a signed-in member: the secret and the session as x-hasura-* headers. */
const hasuraHeaders = (tenant: TenantFixture) => ({
  'x-conveyor-hook-secret': TEST_HOOK_SECRET,
  'x-hasura-role': 'user',
  'x-hasura-tenant-id': tenant.tenantId,
  'x-hasura-user-id': tenant.userId,
});

describe('POST /graphql/logs (Hasura remote schema)', () => {
  const query = (headers: Record<string, string>, runId: string) =>
    api.app.inject({
      method: 'POST',
      url: '/graphql/logs',
      headers,
      payload: {
        query: `{ runLogs(workflowRunId: "${runId}", minLevel: "ERROR", limit: 3) { lines { message level } nextCursor } }`,
      },
    });

  it('serves a tenant’s run logs when Hasura sends the secret and the session', async () => {
    const response = await query(hasuraHeaders(a), a.runId);
    const data = response.json().data.runLogs;
    expect(data.lines).toEqual([
      { message: 'line 3', level: 'ERROR' },
      { message: 'line 7', level: 'ERROR' },
      { message: 'line 11', level: 'ERROR' },
    ]);
    expect(data.nextCursor).toBeTruthy();
  });

  it('trusts x-hasura-* headers only with the secret, and hides other tenants’ runs', async () => {
    const forged = await query({ 'x-hasura-tenant-id': a.tenantId, 'x-hasura-user-id': a.userId }, a.runId);
    expect(forged.json().errors[0].extensions.code).toBe('UNAUTHORIZED');
    const crossed = await query(hasuraHeaders(b), a.runId);
    expect(crossed.json().errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('reads nothing for a user who is not a member of the session tenant (membership revoked, or never held)', async () => {
    const outsider = await query({ ...hasuraHeaders(a), 'x-hasura-user-id': b.userId }, a.runId);
    expect(outsider.json().errors[0].extensions.code).toBe('FORBIDDEN');
    const noUser = await query({ 'x-conveyor-hook-secret': TEST_HOOK_SECRET, 'x-hasura-tenant-id': a.tenantId }, a.runId);
    expect(noUser.json().errors[0].extensions.code).toBe('UNAUTHORIZED');
    const admin = await query(
      { 'x-conveyor-hook-secret': TEST_HOOK_SECRET, 'x-hasura-role': 'admin', 'x-hasura-tenant-id': a.tenantId },
      a.runId,
    );
    expect(admin.json().data.runLogs.lines).toHaveLength(3);
  });

  it('refuses a document with more runLogs fields than allowed, before reading any log', async () => {
    const fields = Array.from(
      { length: 1_000 },
      (_, i) => `a${i}: runLogs(workflowRunId: "${a.runId}", limit: 1000) { lines { message } }`,
    );
    const started = Date.now();
    const response = await api.app.inject({
      method: 'POST',
      url: '/graphql/logs',
      headers: hasuraHeaders(a),
      payload: { query: `{ ${fields.join(' ')} }` },
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response.statusCode).toBe(413); // 1,000 aliases do not fit the document size limit
    const eleven = Array.from({ length: 11 }, (_, i) => `a${i}: runLogs(workflowRunId: "${a.runId}") { nextCursor }`);
    const tooMany = await api.app.inject({
      method: 'POST',
      url: '/graphql/logs',
      headers: hasuraHeaders(a),
      payload: { query: `{ ${eleven.join(' ')} }` },
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].message).toMatch(/at most 10 runLogs fields/);
    const ten = await api.app.inject({
      method: 'POST',
      url: '/graphql/logs',
      headers: hasuraHeaders(a),
      payload: { query: `{ ${eleven.slice(1).join(' ')} }` },
    });
    expect(Object.keys(ten.json().data)).toHaveLength(10);
  });
});
