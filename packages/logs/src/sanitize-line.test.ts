import { describe, expect, it } from 'vitest';
import type { LogLine } from './log-line';
import {
  isSecretKey,
  REDACTED,
  redactSecretValues,
  redactText,
  redactValue,
  sanitizeLine,
  sanitizeWithSize,
} from './sanitize-line';

const line = (overrides: Partial<LogLine> = {}): LogLine => ({
  tenantId: 't1',
  workflowRunId: 'r1',
  stepRunId: 's1',
  level: 'INFO',
  message: 'hello',
  timestamp: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

describe('sanitizeLine: redaction', () => {
  it('redacts the values of secret-looking keys at any depth, case-insensitively, whatever the value is', () => {
    const out = sanitizeLine(
      line({
        context: {
          request: {
            headers: { Authorization: 'Bearer abc', 'X-API-Key': 'k1', Cookie: 'a=b', 'set-cookie': ['x'], accept: 'json' },
            body: { user: 'ann', password: 'hunter2', nested: [{ access_token: 'tok', clientSecret: { v: 1 } }] },
          },
          apiKey: 'k2',
          api_key: 'k3',
          privateKey: 'pk',
          private_key: 'pk2',
          passwd: 'p',
          refreshToken: 'r',
          count: 3,
        },
      }),
    );
    expect(out.context).toEqual({
      request: {
        headers: { Authorization: REDACTED, 'X-API-Key': REDACTED, Cookie: REDACTED, 'set-cookie': REDACTED, accept: 'json' },
        body: { user: 'ann', password: REDACTED, nested: [{ access_token: REDACTED, clientSecret: REDACTED }] },
      },
      apiKey: REDACTED,
      api_key: REDACTED,
      privateKey: REDACTED,
      private_key: REDACTED,
      passwd: REDACTED,
      refreshToken: REDACTED,
      count: 3,
    });
  });

  it('names the secret keys it knows', () => {
    for (const key of [
      'authorization',
      'Proxy-Authorization',
      'PASSWORD',
      'db_passwd',
      'secret',
      'client_secret',
      'token',
      'id_token',
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['user', 'url', 'status', 'headers', 'body', 'keys', 'author']) expect(isSecretKey(key), key).toBe(false);
  });

  it('replaces every occurrence of each secret value in the message and in nested context strings', () => {
    const secret = 's3cr3t-value';
    const out = sanitizeLine(
      line({
        message: `connecting with ${secret} and again ${secret}; encoded ${encodeURIComponent('p@ss w0rd!')}`,
        context: {
          url: `https://x.test/?k=${secret}`,
          list: ['a', `pre-${secret}-post`],
          deep: { deeper: { v: `${secret}` } },
          n: 42,
        },
      }),
      { secretValues: [secret, 'p@ss w0rd!', 'abc', ''] },
    );
    expect(out.message).toBe(`connecting with ${REDACTED} and again ${REDACTED}; encoded ${REDACTED}`);
    expect(out.context).toEqual({
      url: `https://x.test/?k=${REDACTED}`,
      list: ['a', `pre-${REDACTED}-post`],
      deep: { deeper: { v: REDACTED } },
      n: 42,
    });
  });

  it('ignores trivial secret values (shorter than 4 characters) so ordinary text survives', () => {
    const out = sanitizeLine(line({ message: 'a bc abc' }), { secretValues: ['a', 'bc', 'abc'] });
    expect(out.message).toBe('a bc abc');
  });

  it('redacts a longer secret whole even when a shorter one is part of it', () => {
    const out = sanitizeLine(line({ message: 'key=abcd1234efgh' }), { secretValues: ['abcd', 'abcd1234efgh'] });
    expect(out.message).toBe(`key=${REDACTED}`);
  });
});

describe('redactText and redactValue: the same rule for text outside log lines', () => {
  it('redacts each secret value, plain and URL-encoded, in text', () => {
    expect(redactText('GET /x?k=a%2Fb%3D failed for a/b=', ['a/b='])).toBe(`GET /x?k=${REDACTED} failed for ${REDACTED}`);
    expect(redactText('short abc stays', ['abc'])).toBe('short abc stays');
  });

  it('redacts values under secret keys and secret values at any depth, errors included', () => {
    const error = Object.assign(new Error('bad key s3cr3t'), { code: 'E_KEY' });
    expect(redactValue({ message: 'uses s3cr3t', details: { apiKey: 'x', nested: [error] } }, ['s3cr3t'])).toMatchObject({
      message: `uses ${REDACTED}`,
      details: { apiKey: REDACTED, nested: [{ name: 'Error', message: `bad key ${REDACTED}`, code: 'E_KEY' }] },
    });
  });
});

describe('redactSecretValues: a step output, only its secret values', () => {
  it('redacts the values in strings and keys at any depth and changes nothing else (no secret-key rule, no reshaping)', () => {
    const output = { token_type: 'bearer', token: 'public-id', list: [[1, 'x s3cr3t y'], null, true], ['s3cr3t']: 2 };
    expect(redactSecretValues(output, ['s3cr3t'])).toEqual({
      token_type: 'bearer',
      token: 'public-id',
      list: [[1, `x ${REDACTED} y`], null, true],
      [REDACTED]: 2,
    });
    expect(redactSecretValues(output, [])).toBe(output);
  });
});

describe('sanitizeLine: size budgets', () => {
  it('cuts a long message and says how many bytes were cut, staying within the budget', () => {
    const message = 'x'.repeat(20_000);
    const out = sanitizeLine(line({ message }), { maxMessageBytes: 1_000 });
    const marker = /… \[truncated (\d+) bytes\]$/.exec(out.message);
    expect(marker).not.toBeNull();
    const kept = out.message.length - (marker?.[0].length ?? 0);
    expect(kept + Number(marker?.[1])).toBe(20_000);
    expect(Buffer.byteLength(out.message)).toBeLessThanOrEqual(1_000);
  });

  it('uses the 8 KiB default and never splits a multi-byte character', () => {
    const message = 'é'.repeat(10_000); // 20,000 bytes
    const out = sanitizeLine(line({ message }));
    expect(Buffer.byteLength(out.message)).toBeLessThanOrEqual(8 * 1024);
    expect(out.message).not.toContain('\uFFFD');
    const cut = Number(/truncated (\d+) bytes/.exec(out.message)?.[1]);
    const keptBytes = Buffer.byteLength(out.message.replace(/… \[truncated \d+ bytes\]$/, ''));
    expect(keptBytes + cut).toBe(20_000);
    expect(sanitizeLine(line({ message: 'short' })).message).toBe('short');
  });

  it('replaces an oversized context by a truncation note with the original size and a preview', () => {
    const context = { rows: Array.from({ length: 5_000 }, (_, i) => ({ i, name: `row ${i}` })) };
    const originalBytes = Buffer.byteLength(JSON.stringify(context));
    const out = sanitizeLine(line({ context }), { maxContextBytes: 4_096 });
    expect(out.context).toMatchObject({ _truncated: true, originalBytes });
    const preview = (out.context as { preview: string }).preview;
    expect(JSON.stringify(context).startsWith(preview)).toBe(true);
    expect(preview.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(JSON.stringify(out.context))).toBeLessThanOrEqual(4_096);
  });

  it('redacts before measuring and previewing, so a preview never shows a secret', () => {
    const context = { password: 'p4ssw0rd!', blob: 'y'.repeat(50_000) };
    const out = sanitizeLine(line({ context }));
    expect(JSON.stringify(out.context)).not.toContain('p4ssw0rd!');
    expect(out.context).toMatchObject({ _truncated: true });
  });

  it('reports a byte estimate that grows with the content', () => {
    const small = sanitizeWithSize(line()).bytes;
    const big = sanitizeWithSize(line({ message: 'm'.repeat(4_000), context: { a: 'b'.repeat(4_000) } })).bytes;
    expect(big - small).toBeGreaterThanOrEqual(8_000);
  });
});

describe('sanitizeLine: never throws, always storable', () => {
  it('survives cycles, BigInt, functions, symbols, getters that throw, Errors, Dates, Maps, Sets and binary data', () => {
    const cyclic: Record<string, unknown> = { name: 'root' };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, 1];
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter failed');
      },
    });
    const error = new Error('bad thing');
    const out = sanitizeLine(
      line({
        context: {
          cyclic,
          big: 12345678901234567890n,
          fn: () => 1,
          sym: Symbol('s'),
          undef: undefined,
          throwing,
          error,
          date: new Date('2026-01-01T00:00:00Z'),
          badDate: new Date(Number.NaN),
          map: new Map<unknown, unknown>([
            ['a', 1],
            [2, { token: 'x' }],
          ]),
          set: new Set(['x', 'y']),
          bytes: Buffer.from('abcdef'),
          nan: Number.NaN,
          inf: Number.POSITIVE_INFINITY,
        },
      }),
    );
    const context = out.context as Record<string, unknown>;
    expect(context.cyclic).toEqual({ name: 'root', self: '[Circular]', list: ['[Circular]', 1] });
    expect(context.big).toBe('12345678901234567890');
    expect(context).not.toHaveProperty('fn');
    expect(context).not.toHaveProperty('sym');
    expect(context).not.toHaveProperty('undef');
    expect(context.throwing).toEqual({ boom: '[Unreadable]' });
    expect(context.error).toMatchObject({ name: 'Error', message: 'bad thing' });
    expect(context.date).toBe('2026-01-01T00:00:00.000Z');
    expect(context.badDate).toBe('Invalid Date');
    expect(context.map).toEqual({ a: 1, '2': { token: REDACTED } });
    expect(context.set).toEqual(['x', 'y']);
    expect(context.bytes).toBe('[binary 6 bytes]');
    expect(context.nan).toBe('NaN');
    expect(context.inf).toBe('Infinity');
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('rewrites what MongoDB wire servers refuse: $-prefixed and dotted keys, NUL characters, arrays inside arrays', () => {
    const out = sanitizeLine(
      line({
        message: 'a\u0000b',
        context: { $where: 1, 'a.b': { 'c.d': 2 }, 'nul\u0000key': 'x\u0000y', matrix: [[1, 2], [3]], ok: [{ inner: [1] }] },
      }),
    );
    expect(out.message).toBe('a\uFFFDb');
    expect(out.context).toEqual({
      '\uFF04where': 1,
      'a\uFF0Eb': { 'c\uFF0Ed': 2 },
      'nul\uFFFDkey': 'x\uFFFDy',
      matrix: ['[1,2]', '[3]'],
      ok: [{ inner: [1] }],
    });
  });

  it('repairs fields that are not what the type says instead of throwing', () => {
    const out = sanitizeLine({
      tenantId: 't',
      workflowRunId: 'r',
      level: 'warn' as 'WARN',
      message: 42 as unknown as string,
      context: ['not', 'an', 'object'] as unknown as Record<string, unknown>,
      timestamp: 'not a date' as unknown as Date,
    });
    expect(out.level).toBe('WARN');
    expect(out.message).toBe('42');
    expect(out.context).toEqual({ value: ['not', 'an', 'object'] });
    expect(out.timestamp).toBeInstanceOf(Date);
    expect(Number.isNaN(out.timestamp.getTime())).toBe(false);
    expect(sanitizeLine(line({ level: 'NOPE' as 'INFO' })).level).toBe('INFO');
  });

  it('leaves stepRunId and context out when the line has none, and does not change the input', () => {
    const input = line({ stepRunId: undefined, context: undefined });
    delete input.stepRunId;
    delete input.context;
    const out = sanitizeLine(input);
    expect(Object.keys(out).sort()).toEqual(['level', 'message', 'tenantId', 'timestamp', 'workflowRunId']);
    const context = { password: 'x', nested: { token: 'y' } };
    sanitizeLine(line({ context }));
    expect(context).toEqual({ password: 'x', nested: { token: 'y' } });
  });
});
