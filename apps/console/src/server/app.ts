import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConsoleConfig } from '@conveyor/config';
import { ConveyorError } from '@conveyor/errors';
import type { Logger } from '@conveyor/observability';
import fastifyHelmet from '@fastify/helmet';
import fastifyHttpProxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export interface ConsoleDeps {
  config: Readonly<ConsoleConfig>;
  log: Logger;
  /** The built single-page app (`vite build`'s output): index.html and its hashed assets. */
  publicDir: string;
}

/**
 * The console's server, without listening: the built single-page app, and `/v1/*` relayed to the
 * api's public listener, so the browser talks to one origin (no CORS, one Content-Security-Policy:
 * nothing but this origin). It holds no credentials: every relayed request carries the signed-in
 * user's own bearer token, checked by the api. The client's address goes on as X-Forwarded-For (the
 * api believes it when API_TRUST_PROXY names this process). Any other path is the app's (its router
 * draws it), so a deep link such as /runs/<id> loads index.html.
 */
export async function buildConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const { config, log, publicDir } = deps;
  if (!existsSync(path.join(publicDir, 'index.html')))
    throw new Error(`the console is not built: ${publicDir}/index.html is missing (npm run build)`);
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // React sets element styles (the timeline's bar widths); no stylesheet or script comes from elsewhere.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(async (relay) => {
    relay.addHook('onRequest', refuseUnrelayableBody);
    await relay.register(fastifyHttpProxy, {
      upstream: config.apiUrl,
      prefix: '/v1',
      rewritePrefix: '/v1',
      replyOptions: {
        rewriteRequestHeaders: (request, headers) => ({ ...headers, 'x-forwarded-for': request.ip }),
      },
    });
  });
  await app.register(fastifyStatic, { root: publicDir, wildcard: false, index: 'index.html' });
  app.setNotFoundHandler((request, reply) => {
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (!read || request.url.startsWith('/v1/') || request.url.startsWith('/assets/'))
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `${request.method} ${request.url} not found` } });
    return reply.type('text/html').sendFile('index.html');
  });
  return app;
}

/** The api's bound on a request body; the console refuses a larger one itself. */
const RELAY_BODY_LIMIT = 1_048_576;

/**
 * A body the api would refuse is refused here, before any of it is relayed: the api answers a body over
 * its limit at once and closes the connection, which would leave the relay writing into a closed socket
 * (a 500 for the caller). So a relayed body states its length (400 if streamed without one) and is at
 * most 1 MiB (413), in the api's error envelope.
 */
async function refuseUnrelayableBody(request: FastifyRequest, reply: FastifyReply) {
  const length = request.headers['content-length'];
  const error =
    length === undefined && request.headers['transfer-encoding'] !== undefined
      ? new ConveyorError({
          code: 'VALIDATION_FAILED',
          message: 'headers.content-length: a body relayed to the api must state its length',
          details: { field: 'headers.content-length' },
        })
      : Number(length ?? 0) > RELAY_BODY_LIMIT
        ? new ConveyorError({
            code: 'PAYLOAD_TOO_LARGE',
            message: `body: larger than ${RELAY_BODY_LIMIT} bytes`,
            details: { field: 'body', limitBytes: RELAY_BODY_LIMIT },
          })
        : null;
  if (error) return reply.code(error.httpStatus).send({ error });
}
