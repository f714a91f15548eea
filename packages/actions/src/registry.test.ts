import { ConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from './action';
import { ActionError } from './action-error';
import { coreActions } from './core-app';
import { createActionRegistry, formatActionRef, parseInput } from './registry';

const echo = defineAction({
  ref: { app: 'test', version: '2', key: 'echo' },
  name: 'Echo',
  description: 'echoes',
  inputSchema: z.object({ text: z.string(), nested: z.object({ items: z.array(z.int()) }).optional() }),
  async execute(input) {
    return { kind: 'output', output: input.text };
  },
});

describe('createActionRegistry', () => {
  const registry = createActionRegistry([...coreActions, echo]);

  it('finds actions by app, version and key', () => {
    expect(registry.get({ app: 'core', version: '1', key: 'http.request' })?.name).toBe('HTTP request');
    expect(registry.get({ app: 'test', version: '2', key: 'echo' })).toBe(echo);
    expect(registry.get({ app: 'test', version: '1', key: 'echo' })).toBeUndefined();
    expect(registry.has({ app: 'core', version: '1', key: 'noop' })).toBe(true);
    expect(registry.has({ app: 'core', version: '2', key: 'noop' })).toBe(false);
  });

  it('getOrThrow throws NOT_FOUND naming app@version/key', () => {
    expect(registry.getOrThrow({ app: 'core', version: '1', key: 'delay' }).ref.key).toBe('delay');
    try {
      registry.getOrThrow({ app: 'core', version: '1', key: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConveyorError);
      expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'unknown action core@1/nope', details: { ref: 'core@1/nope' } });
    }
  });

  it('lists every action once, and a copy', () => {
    const list = registry.list();
    expect(list.map((action) => formatActionRef(action.ref))).toEqual([
      'core@1/http.request',
      'core@1/transform',
      'core@1/delay',
      'core@1/log',
      'core@1/noop',
      'core@1/switch',
      'core@1/waitForEvent',
      'core@1/runWorkflow',
      'core@1/approval',
      'test@2/echo',
    ]);
    list.pop();
    expect(registry.list()).toHaveLength(10);
  });

  it('refuses duplicate refs at creation', () => {
    expect(() => createActionRegistry([echo, { ...echo, name: 'Other' }])).toThrow('duplicate action test@2/echo');
  });
});

describe('parseInput', () => {
  it('returns the parsed input, with defaults applied', () => {
    expect(parseInput(echo, { text: 'hi' })).toEqual({ text: 'hi' });
    expect(parseInput(coreActions[0] as typeof echo, { url: 'https://example.test/' })).toMatchObject({
      method: 'GET',
      timeoutMs: 10_000,
    });
  });

  it('throws a non-retryable input error naming each failing field', () => {
    try {
      parseInput(echo, { text: 1, nested: { items: [1, 'two'] } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ActionError);
      const actionError = error as ActionError;
      expect(actionError).toMatchObject({ kind: 'input', retryable: false, code: 'VALIDATION_FAILED' });
      expect(actionError.message).toBe(
        'input.text: Invalid input: expected string, received number; input.nested.items[1]: Invalid input: expected number, received string',
      );
      expect(actionError.details).toMatchObject({
        action: 'test@2/echo',
        issues: [{ path: 'input.text' }, { path: 'input.nested.items[1]' }],
      });
    }
  });

  it('names the field for a bad URL and quotes keys that are not identifiers', () => {
    const http = coreActions[0] as typeof echo;
    expect(() => parseInput(http, { url: 'nope' })).toThrow('input.url: Invalid URL');
    expect(() => parseInput(http, { url: 'https://x.test/', headers: { 'bad header': 'v' } })).toThrow(
      'input.headers["bad header"]',
    );
    expect(() => parseInput(echo, undefined)).toThrow(/^input: /);
  });
});
