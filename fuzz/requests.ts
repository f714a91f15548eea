// Request-level generators: how a body is encoded and labelled, and the credentials a request carries.
import fc from 'fast-check';
import { toJsonText } from './values';

export interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** The content type a body claims, or none at all. */
const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/vnd.api+json',
      'APPLICATION/JSON',
      '',
      'json',
      '*/*',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A body: the value's JSON text mostly, else broken, empty, random bytes or over the 1 MiB limit. */
function encodedBody(value: unknown): fc.Arbitrary<string | Buffer | undefined> {
  const text = toJsonText(value);
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant(text) },
    { weight: 1, arbitrary: fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut)) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"text"', '0', 'true', '{', '{"a":1}{"b":2}', undefined) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.constant(invalidUtf8(text)) },
    { weight: 1, arbitrary: fc.constant(`{"pad":"${'x'.repeat(1_100_000)}"}`) },
  );
}

/** The JSON text with a byte that is not UTF-8 inside its first string. */
function invalidUtf8(text: string): Buffer {
  const at = text.indexOf('"') + 1;
  const bytes = Buffer.from(text, 'utf8');
  return at > 0 ? Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(at)]) : bytes;
}

/** A POST of `body` (generated from valid-shaped values) with a claimed content type and extra headers. */
export function jsonPost(
  url: fc.Arbitrary<string>,
  body: fc.Arbitrary<unknown>,
  headers: fc.Arbitrary<Record<string, string>>,
): fc.Arbitrary<FuzzRequest> {
  return fc.record({ url, value: body, headers, type: contentType }).chain(({ url, value, headers, type }) =>
    encodedBody(value).map((encoded) => ({
      method: 'POST' as const,
      url,
      headers: { ...headers, ...(type === undefined ? {} : { 'content-type': type }) },
      ...(encoded === undefined ? {} : { body: encoded }),
    })),
  );
}

/** One of the given values most of the time, else something that is not one. */
export function mostly<T extends string>(good: T[], wrong: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: wrong });
}

const base64url = (value: string) => Buffer.from(value).toString('base64url');

/** Bearer tokens: valid ones, and tampered, unsigned, garbage or foreign ones. */
export function bearer(validTokens: string[]): fc.Arbitrary<Record<string, string>> {
  const [first = 'x.y.z'] = validTokens;
  const [head = '', payload = '', signature = ''] = first.split('.');
  const unsigned = `${base64url('{"alg":"none","typ":"JWT"}')}.${payload}.`;
  const tampered = `${head}.${payload}.${signature.slice(0, -2)}AA`;
  const forged = `${head}.${base64url('{"sub":"x","https://hasura.io/jwt/claims":{"x-hasura-tenant-id":"00000000-0000-0000-0000-000000000000"}}')}.${signature}`;
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...validTokens) },
    { weight: 3, arbitrary: fc.constantFrom(unsigned, tampered, forged, '', 'a.b.c', '...', 'null') },
    { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: token.map((value) => ({ authorization: `Bearer ${value}` })) },
    { weight: 1, arbitrary: token.map((value) => ({ authorization: value })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** A header carrying `secret` mostly, else a wrong, empty or missing one. */
/** API keys as a machine client sends them (Bearer or x-api-key): the valid ones, altered, unknown and odd ones. */
export function apiKeyHeaders(validKeys: string[]): fc.Arbitrary<Record<string, string>> {
  const [first = 'cvk_'] = validKeys;
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...validKeys) },
    { weight: 3, arbitrary: fc.constantFrom(`${first.slice(0, -2)}AA`, `${first}A`, first.slice(0, -1), 'cvk_', first.slice(4)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((value) => `cvk_${value}`) },
  );
  return fc.oneof(
    { weight: 4, arbitrary: key.map((value) => ({ authorization: `Bearer ${value}` })) },
    { weight: 4, arbitrary: key.map((value) => ({ 'x-api-key': value })) },
    { weight: 1, arbitrary: key.map((value) => ({ 'x-api-key': value, authorization: `Bearer ${value}` })) },
  );
}

export function secretHeader(name: string, secret: string): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant({ [name]: secret }) },
    { weight: 1, arbitrary: fc.constantFrom(`${secret}x`, '', secret.toUpperCase()).map((value) => ({ [name]: value })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** Header values a client may send (printable ASCII: Node refuses others before they leave). */
export const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 120,
});

/** A query string from generated pairs, percent-encoded, with a raw `%` now and then. */
export function queryString(pairs: fc.Arbitrary<[string, string][]>): fc.Arbitrary<string> {
  return fc.tuple(pairs, fc.boolean()).map(([entries, broken]) => {
    const query = entries.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
    return broken ? `${query}&%zz=%` : query;
  });
}

/** Percent-encodes; a lone surrogate (which encodeURIComponent refuses) goes as its raw, invalid UTF-8 bytes. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}
