/** One Server-Sent Event as the WHATWG EventSource parser dispatches it. */
export interface ServerSentEvent {
  /** `event:` field; `message` when the server named none. */
  event: string;
  data: string;
  /** The last `id:` seen on this stream (it persists across events, as in EventSource). */
  id: string | undefined;
  /** `retry:` in milliseconds, when the server sent one. */
  retry: number | undefined;
}

/**
 * Parses a `text/event-stream` body into events (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * lines end in CRLF, LF or CR, may be split across chunks, `:` lines are comments, and a blank
 * line dispatches the event. Cancels the body when the consumer stops early.
 */
export async function* parseServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let lastId: string | undefined;
  let event = '';
  let data: string[] = [];
  let retry: number | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (;;) {
        const end = lineEnd(buffer, done);
        if (!end) break;
        const line = buffer.slice(0, end.at);
        buffer = buffer.slice(end.at + end.length);
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id: lastId, retry };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) lastId = value;
        else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
      }
      // A stream that ends mid-event drops that event, as EventSource does.
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Where the first complete line of `buffer` ends; a lone CR at the end may still be half of a CRLF. */
function lineEnd(buffer: string, done: boolean): { at: number; length: number } | null {
  for (let index = 0; index < buffer.length; index++) {
    const char = buffer[index];
    if (char === '\n') return { at: index, length: 1 };
    if (char === '\r') {
      if (index + 1 < buffer.length) return { at: index, length: buffer[index + 1] === '\n' ? 2 : 1 };
      return done ? { at: index, length: 1 } : null;
    }
  }
  return null;
}
