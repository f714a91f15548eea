import { describe, expect, it } from 'vitest';
import { actionCatalogue } from './action-catalogue';
import { coreActions, coreApp } from './core-app';

describe('actionCatalogue', () => {
  it('describes every core action with its input as JSON Schema', () => {
    const catalogue = actionCatalogue();
    expect(catalogue.map((entry) => entry.ref.key)).toEqual([
      'http.request',
      'transform',
      'delay',
      'log',
      'noop',
      'switch',
      'waitForEvent',
      'runWorkflow',
      'approval',
    ]);
    for (const entry of catalogue) {
      expect(entry.ref).toMatchObject({ app: coreApp.key, version: coreApp.version });
      expect(entry.name).not.toBe('');
      expect(entry.description).not.toBe('');
      expect(entry.inputJsonSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it('shows input-side requirements: defaults are optional', () => {
    const http = actionCatalogue(coreActions).find((entry) => entry.ref.key === 'http.request');
    expect(http?.inputJsonSchema).toMatchObject({ type: 'object', required: ['url'], additionalProperties: false });
    expect(http?.inputJsonSchema.properties).toMatchObject({ method: { default: 'GET' }, timeoutMs: { maximum: 300_000 } });
  });
});
