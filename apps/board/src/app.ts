import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { BoardConfig } from '@conveyor/config';
import { fieldOfProblem, jsonProblem } from '@conveyor/engine';
import type { Logger } from '@conveyor/observability';
import { allQueueNames, type Redis } from '@conveyor/queue';
import fastifyBasicAuth from '@fastify/basic-auth';
import { Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { boardErrorHandler } from './board-errors';

export interface BoardDeps {
  config: Readonly<BoardConfig>;
  log: Logger;
  /** Shared by every queue; the caller connects it and closes it after the app. */
  redis: Redis;
}

/**
 * Builds Bull Board for every Conveyor queue without listening, so tests drive it through
 * `app.inject()`. Everything but `/healthz` sits behind HTTP basic auth, and the board is read-only
 * unless BOARD_READ_ONLY=false: retrying, promoting or deleting a job behind the engine's back is an
 * operator's deliberate choice, never the default.
 */
export async function buildBoard(deps: BoardDeps): Promise<FastifyInstance> {
  const { config, log, redis } = deps;
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger });

  const queues = allQueueNames.map((name) => {
    const queue = new Queue(name, { connection: redis, prefix: config.redis.queuePrefix });
    // BullMQ re-emits connection errors on the queue; without a listener they would crash the process.
    queue.on('error', (error) => log.warn({ error, queue: name }, 'queue connection error'));
    return queue;
  });
  app.addHook('onClose', async () => {
    await Promise.allSettled(queues.map((queue) => queue.close()));
  });

  // Bull Board decodes query values itself and answers 500 for percent-encoding that is not UTF-8:
  // such a URL is the caller's mistake, refused here before any route sees it.
  app.addHook('onRequest', async (request, reply) => {
    if (isDecodable(request.url)) return;
    const message = 'url: the percent-encoding is not valid UTF-8';
    return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message } });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Encapsulated scope: the auth hook covers the board's routes and nothing registered above.
  await app.register(async (scope) => {
    const isAllowed = credentialsChecker(config.auth);
    await scope.register(fastifyBasicAuth, {
      authenticate: { realm: 'Conveyor Board' },
      validate: async (username, password) => {
        if (!isAllowed(username, password)) throw new Error('invalid credentials');
      },
    });
    // One answer for a missing header and a wrong password, in the api's error envelope (the
    // plugin's own error would reach Bull Board's error handler and read "internal server error").
    scope.addHook('onRequest', (request, reply, done) => {
      scope.basicAuth(request, reply, (error) => {
        if (!error) return done();
        reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'the board needs valid credentials' } });
      });
    });

    // A job's data is any JSON an operator sends: the api's rule (depth, size, storable text) keeps
    // BullMQ from overflowing the stack on it.
    scope.addHook('preValidation', async (request, reply) => {
      const problem = request.body === undefined ? null : jsonProblem(request.body);
      if (!problem) return;
      const message = `${fieldOfProblem('body', problem)}: ${problem.message}`;
      return reply.code(400).send({ error: { key: 'ERRORS.BAD_REQUEST' }, message });
    });

    const serverAdapter = new FastifyAdapter().setBasePath('/');
    createBullBoard({
      queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: config.readOnly })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Conveyor queues' } },
    });
    // Replaces Bull Board's, which answers 500 to everything. Its type lists fewer statuses than Fastify
    // sends (413, 415): the adapter passes any number through.
    serverAdapter.setErrorHandler(boardErrorHandler(log) as Parameters<FastifyAdapter['setErrorHandler']>[0]);
    await scope.register(serverAdapter.registerPlugin());
  });

  return app;
}

/**
 * Compares both fields in constant time. Hashing first gives equal-length buffers, so neither the
 * length nor the first differing byte of the secret leaks through the response time.
 */
function credentialsChecker(expected: { username: string; password: string }) {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  const expectedUser = digest(expected.username);
  const expectedPassword = digest(expected.password);
  return (username: string, password: string): boolean => {
    const userOk = timingSafeEqual(digest(username), expectedUser);
    const passwordOk = timingSafeEqual(digest(password), expectedPassword);
    return userOk && passwordOk;
  };
}

function isDecodable(url: string): boolean {
  try {
    decodeURIComponent(url);
    return true;
  } catch {
    return false;
  }
}
