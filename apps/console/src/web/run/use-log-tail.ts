import { createParser } from 'eventsource-parser';
import { useEffect, useState } from 'react';
import { authHeaders, errorOf } from '../api/client';
import type { LogLine } from '../api/types';

/** The most lines one page keeps; older ones are dropped from the view (the REST pages still have them). */
export const MAX_LINES = 5_000;
const RECONNECT_MS = 2_000;

export interface LogTail {
  lines: LogLine[];
  /** live: streaming; ended: the run ended and every line has come; error: the last attempt failed (retrying). */
  state: 'connecting' | 'live' | 'ended' | 'error';
  error: string | null;
}

/**
 * The run's execution log through the api's live tail (`/v1/runs/:runId/logs/stream`, Server-Sent
 * Events): every line so far, then new ones as they are written, until the run ends. EventSource
 * cannot send the bearer token, so the stream is read with fetch; a dropped stream resumes from the
 * last line's id (Last-Event-ID), so no line is shown twice or missed.
 */
export function useLogTail(runId: string): LogTail {
  const [tail, setTail] = useState<LogTail>({ lines: [], state: 'connecting', error: null });
  useEffect(() => {
    const stop = new AbortController();
    let lastId: string | undefined;
    const append = (line: LogLine) =>
      setTail((current) => ({ ...current, state: 'live', lines: [...current.lines, line].slice(-MAX_LINES) }));
    const connect = async (): Promise<void> => {
      const response = await fetch(`/v1/runs/${encodeURIComponent(runId)}/logs/stream`, {
        headers: { ...authHeaders(), accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal: stop.signal,
      });
      if (!response.ok || !response.body) throw errorOf(response, await response.json().catch(() => undefined));
      setTail((current) => ({ ...current, state: 'live', error: null }));
      let ended = false;
      const parser = createParser({
        onEvent(event) {
          if (event.event === 'log') {
            if (event.id) lastId = event.id;
            append(JSON.parse(event.data) as LogLine);
          } else if (event.event === 'end') ended = true;
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parser.feed(chunk.value);
      if (ended) setTail((current) => ({ ...current, state: 'ended' }));
      else throw new Error('the log stream closed before the run ended');
    };
    const loop = async () => {
      while (!stop.signal.aborted) {
        try {
          await connect();
          return;
        } catch (error) {
          if (stop.signal.aborted) return;
          setTail((current) => ({ ...current, state: 'error', error: error instanceof Error ? error.message : String(error) }));
          await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
        }
      }
    };
    void loop();
    return () => stop.abort();
  }, [runId]);
  return tail;
}
