import { describe, expect, it } from 'vitest';
import { parseServerSentEvents, type ServerSentEvent } from './sse';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function parseAll(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

describe('parseServerSentEvents', () => {
  it('parses named events with ids, multi-line data, comments and every line ending', async () => {
    const events = await parseAll([
      ': keep-alive\n',
      'id: c1\r\nevent: log\r\ndata: {"a":1}\r\n\r\n',
      'data: one\rdata: two\r\r',
      'event: end\ndata: {}\n\n',
    ]);
    expect(events).toEqual([
      { event: 'log', data: '{"a":1}', id: 'c1', retry: undefined },
      { event: 'message', data: 'one\ntwo', id: 'c1', retry: undefined },
      { event: 'end', data: '{}', id: 'c1', retry: undefined },
    ]);
  });

  it('joins fields split across chunks, including a CRLF split between two chunks', async () => {
    const text = 'id: 42\r\nevent: log\r\ndata: {"message":"héllo"}\r\n\r\nretry: 250\nevent: end\ndata: x\n\n';
    const bytes = new TextEncoder().encode(text);
    // One byte at a time also splits the two bytes of "é".
    const events: ServerSentEvent[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    for await (const event of parseServerSentEvents(stream)) events.push(event);
    expect(events).toEqual([
      { event: 'log', data: '{"message":"héllo"}', id: '42', retry: undefined },
      { event: 'end', data: 'x', id: '42', retry: 250 },
    ]);
  });

  it('drops an event the stream cut off before its blank line, and events without data', async () => {
    expect(await parseAll(['event: ping\n\n', 'id: 1\nevent: log\ndata: {"cut":true}'])).toEqual([]);
  });
});
