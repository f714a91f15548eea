import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { StepLogger } from './action';
import { ActionError } from './action-error';

/**
 * Reads a response body up to `limit` bytes, counted after decoding a single gzip, deflate or br
 * content-encoding (so a small compressed body cannot expand without bound). A declared
 * `content-length` over the limit fails before reading; a body that grows past it is dropped
 * mid-stream. Other encodings are returned as received.
 */
export async function readLimitedBody(
  response: Dispatcher.ResponseData,
  limit: number,
): Promise<{ raw: Buffer; decoded: boolean }> {
  const encoding = headerValue(response.headers['content-encoding'])?.trim().toLowerCase();
  const decoder = encoding ? decoders[encoding]?.() : undefined;
  const declared = Number(headerValue(response.headers['content-length']));
  if (!decoder && Number.isFinite(declared) && declared > limit) {
    discard(response.body);
    throw tooLarge(limit, declared);
  }
  const source: Readable = decoder ? pipeline(response.body, decoder, () => undefined) : response.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit); // leaving the loop destroys the stream
    chunks.push(chunk);
  }
  return { raw: Buffer.concat(chunks, size), decoded: decoder !== undefined };
}

/** `json` must parse; `text` never parses; `auto` parses JSON media types and falls back to text. */
export function decodeBody(raw: Buffer, contentType: string | undefined, responseType: ResponseType, log: StepLogger): unknown {
  const text = raw.toString('utf8');
  switch (responseType) {
    case 'text':
      return text;
    case 'json':
      if (text.trim() === '') return null;
      try {
        return JSON.parse(text);
      } catch (cause) {
        throw new ActionError({
          kind: 'response_invalid',
          retryable: false,
          message: 'response body is not valid JSON',
          cause,
          details: { contentType, bodyPreview: preview(text) },
        });
      }
    case 'auto': {
      if (!isJsonMediaType(contentType)) return text;
      if (text.trim() === '') return null;
      try {
        return JSON.parse(text);
      } catch {
        log.warn('response declared JSON but did not parse; returning text', { contentType });
        return text;
      }
    }
  }
}

/** Lowercased names; repeated headers joined with `, `. */
export function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Retry-After as milliseconds from `now` (delta-seconds or HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The first 1 000 characters, for error details. */
export function preview(text: string): string {
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

const decoders: Record<string, (() => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress) | undefined> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/** Destroys a body nobody will read, without an unhandled 'error' event. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tooLarge(limit: number, declared?: number): ActionError {
  return new ActionError({
    kind: 'response_too_large',
    retryable: false,
    message: `response body exceeds maxResponseBytes (${limit})`,
    details: declared === undefined ? { maxResponseBytes: limit } : { maxResponseBytes: limit, contentLength: declared },
  });
}

export type ResponseType = 'auto' | 'json' | 'text';
