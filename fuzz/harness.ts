// Sends each surface's generated requests, through app.inject (throughput) and, for a slice, over a
// real socket (raw bytes: invalid UTF-8, odd content types), and tallies what came back.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { namesAField } from './refusals';
import type { FuzzRequest } from './requests';
import type { Surface } from './surface';

export interface SurfaceResult {
  surface: string;
  requests: number;
  viaSocket: number;
  statuses: Record<string, number>;
  errors5xx: number;
  /** Requests that got no answer: inject rejected, the socket failed, or 15 s passed. */
  noAnswer: number;
  /** The first few 5xx or unanswered requests, to reproduce them. */
  examples: Example[];
  /** The api's 400s that name no field (the rule: a 4xx naming the field), and the first few of them. */
  unnamed400: number;
  unnamedExamples: Example[];
  durationMs: number;
}

export interface RunOptions {
  runs: number;
  seed: number;
  /** One request in this many goes over a real socket. */
  socketEvery: number;
}

const ANSWER_TIMEOUT_MS = 15_000;
/** An answer's first characters: enough to find its message (past a path 64 levels deep); examples keep 300. */
const ANSWER_KEPT = 2_000;
const MAX_EXAMPLES = 5;

/** Runs one surface: `runs` requests from its generator, seeded; never stops early, so every 5xx is counted. */
export async function fuzzSurface(surface: Surface, app: FastifyInstance, options: RunOptions): Promise<SurfaceResult> {
  const started = Date.now();
  const result: SurfaceResult = {
    surface: surface.name,
    requests: 0,
    viaSocket: 0,
    statuses: {},
    errors5xx: 0,
    noAnswer: 0,
    examples: [],
    unnamed400: 0,
    unnamedExamples: [],
    durationMs: 0,
  };
  const origin = await listening(app);
  await fc.assert(
    fc.asyncProperty(surface.requests, async (request) => {
      const viaSocket = result.requests % options.socketEvery === options.socketEvery - 1;
      result.requests += 1;
      if (viaSocket) result.viaSocket += 1;
      const answer = await withTimeout(viaSocket ? overSocket(origin, request) : injected(app, request));
      tally(result, request, answer, surface.target === 'api' && surface.refusalsNameFields !== false);
      return true;
    }),
    { numRuns: options.runs, seed: options.seed, endOnFailure: true },
  );
  result.durationMs = Date.now() - started;
  return result;
}

type Answer = { status: number; body: string } | { status: 'no answer' | 'not sent'; body: string };

async function injected(app: FastifyInstance, request: FuzzRequest): Promise<Answer> {
  const response = await app.inject({
    method: request.method,
    url: request.url,
    headers: request.headers,
    ...(request.body === undefined ? {} : { payload: request.body }),
  });
  return { status: response.statusCode, body: response.body.slice(0, ANSWER_KEPT) };
}

/** The same request over a real TCP connection to the listening app: bytes go out exactly as generated. */
function overSocket(origin: string, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    let outgoing: ReturnType<typeof httpRequest>;
    try {
      outgoing = httpRequest(
        // Joined, not resolved: a generated `//host/path` is a path here, as the server reads it.
        new URL(`${origin}${request.url}`),
        { method: request.method, headers: withLength(request), agent: false },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (body.length < ANSWER_KEPT) body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: body.slice(0, ANSWER_KEPT) }));
          response.on('error', (error) => resolve({ status: 'no answer', body: String(error) }));
        },
      );
    } catch (error) {
      // Node's client refuses to send some generated headers at all: nothing reached the server.
      return resolve({ status: 'not sent', body: (error as Error).message });
    }
    // The server may close a connection it refused before reading the whole body: that is an answer too.
    outgoing.on('error', (error) => resolve({ status: 'no answer', body: `socket: ${error.message}` }));
    outgoing.end(request.body);
  });
}

async function withTimeout(answer: Promise<Answer>): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Answer>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'no answer', body: `no answer within ${ANSWER_TIMEOUT_MS} ms` }),
      ANSWER_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      answer.catch((error: Error) => ({ status: 'no answer' as const, body: `rejected: ${error.message}` })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function tally(result: SurfaceResult, request: FuzzRequest, answer: Answer, judgeRefusals: boolean): void {
  const key = String(answer.status);
  result.statuses[key] = (result.statuses[key] ?? 0) + 1;
  const failed = answer.status === 'no answer' || (typeof answer.status === 'number' && answer.status >= 500);
  if (answer.status === 'no answer') result.noAnswer += 1;
  else if (failed) result.errors5xx += 1;
  if (failed && result.examples.length < MAX_EXAMPLES) result.examples.push(exampleOf(request, answer));
  if (judgeRefusals && answer.status === 400 && !namesAField(answer.body)) {
    result.unnamed400 += 1;
    if (result.unnamedExamples.length < MAX_EXAMPLES) result.unnamedExamples.push(exampleOf(request, answer));
  }
}

function exampleOf(request: FuzzRequest, answer: Answer): Example {
  const body = request.body === undefined ? '' : Buffer.isBuffer(request.body) ? `<${request.body.length} bytes>` : request.body;
  return {
    status: answer.status,
    method: request.method,
    url: request.url.slice(0, 200),
    ...(request.headers['content-type'] === undefined ? {} : { contentType: request.headers['content-type'] }),
    body: body.slice(0, 400),
    answer: answer.body.slice(0, 300),
  };
}

/** The app's address, listening on loopback (once) for the socket slice. */
async function listening(app: FastifyInstance): Promise<string> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Node sends a DELETE's body without a length unless told: the server would read it as a second request. */
function withLength(request: FuzzRequest): Record<string, string> {
  if (request.body === undefined) return request.headers;
  return { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
}

interface Example {
  status: number | string;
  method: string;
  url: string;
  contentType?: string;
  body: string;
  answer: string;
}
