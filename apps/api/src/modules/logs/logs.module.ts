import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ConveyorError } from '@conveyor/errors';
import { decodeCursor } from '@conveyor/logs';
import type { ConveyorApp } from '../../types';
import { type AuthDeps, authenticate, callerOf } from '../auth/authenticate';
import { logPageSchema, logsQuerySchema, runParamsSchema, tailQuerySchema } from './logs.schemas';
import type { LogsService } from './logs.service';
import { createTailSlots, type TailSlotLimits } from './tail-slots';

/**
 * `GET /v1/runs/:runId/logs` (pages, cursor) and `GET /v1/runs/:runId/logs/stream` (a live tail as
 * Server-Sent Events), for members of the run's tenant and its API keys with the scope `runs:read`.
 */
export async function logsModule(
  app: ConveyorApp,
  opts: { logs: LogsService; auth: AuthDeps; tailPollMs: number; tailSlots: TailSlotLimits },
) {
  app.addHook('preHandler', authenticate(opts.auth, { scope: 'runs:read' }));
  const slots = createTailSlots(opts.tailSlots);

  app.get(
    '/v1/runs/:runId/logs',
    { schema: { params: runParamsSchema, querystring: logsQuerySchema, response: { 200: logPageSchema } } },
    async (request) => opts.logs.page(callerOf(request).tenantId, request.params.runId, request.query),
  );

  app.get(
    '/v1/runs/:runId/logs/stream',
    { schema: { params: runParamsSchema, querystring: tailQuerySchema } },
    async (request, reply) => {
      const caller = callerOf(request);
      const { tenantId } = caller;
      const lastEventId = request.headers['last-event-id'];
      const resumed = typeof lastEventId === 'string' && lastEventId !== '';
      const query = { ...request.query, ...(resumed ? { cursor: lastEventId } : {}) };
      if (query.cursor) checkCursor(query.cursor, resumed ? 'headers.last-event-id' : 'query.cursor'); // 400 before the stream
      await opts.logs.runStatus(tenantId, request.params.runId); // 404 before the stream starts
      // A key's tails are counted like a user's: per key (429 before the stream starts).
      const release = slots.acquire(caller.kind === 'user' ? caller.userId : caller.apiKeyId);
      const stop = new AbortController();
      reply.raw.on('close', () => {
        stop.abort();
        release();
      });
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      reply.raw.write(': tail started\n\n'); // sends the headers now, before the first line exists
      try {
        for await (const { line, cursor } of opts.logs.tail(tenantId, request.params.runId, query, {
          pollMs: opts.tailPollMs,
          signal: stop.signal,
        })) {
          await send(reply.raw, `id: ${cursor}\nevent: log\ndata: ${JSON.stringify(line)}\n\n`, stop.signal);
        }
        if (!stop.signal.aborted) {
          const status = await opts.logs.runStatus(tenantId, request.params.runId);
          reply.raw.write(`event: end\ndata: ${JSON.stringify({ status })}\n\n`);
        }
      } catch (error) {
        request.log.error({ error }, 'log tail failed');
        reply.raw.write(
          `event: error\ndata: ${JSON.stringify({ message: 'the log tail stopped; reconnect with Last-Event-ID' })}\n\n`,
        );
      } finally {
        release();
        reply.raw.end();
      }
    },
  );
}

/** Writes one event, waiting while the client reads slower than the log grows (backpressure). */
async function send(raw: ServerResponse, chunk: string, signal: AbortSignal): Promise<void> {
  if (raw.write(chunk)) return;
  await once(raw, 'drain', { signal }).catch(() => undefined);
}

/** A malformed cursor is the caller's mistake, answered 400 like the REST route, not an error event mid-stream. */
function checkCursor(cursor: string, field: string): void {
  try {
    decodeCursor(cursor);
  } catch {
    throw new ConveyorError({ code: 'VALIDATION_FAILED', message: `${field}: the cursor is malformed`, details: { field } });
  }
}
