import { CLIENT_ERROR_CODES, ConveyorClientError } from './errors';
import { parseJson, parseOrThrow } from './parse-response';
import { fromRestFailure, restFetch } from './rest-request';
import { type LogLevel, type LogLine, logLineSchema, type RunStatus, tailEndSchema } from './schemas';
import { parseServerSentEvents } from './sse';

/**
 * The api's live log tail (server-sent events): yields each line with the cursor to resume after it,
 * reconnects from the last line seen (Last-Event-ID) when the stream breaks, and returns when the
 * server says the run has finished.
 */
export async function* tailLogs(
  opts: TailOptions & { fetchImpl: typeof fetch; url: string; headers: () => Promise<Record<string, string>> },
): AsyncGenerator<TailedLogLine> {
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
