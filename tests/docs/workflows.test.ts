import { readFileSync } from 'node:fs';
import path from 'node:path';
import { coreActions, httpCredentialsSchema } from '@conveyor/actions';
import {
  concurrencySchema,
  debounceSchema,
  forEachSchema,
  rateLimitSchema,
  retryPolicySchema,
  stepDefinitionSchema,
  workflowDefinitionSchema,
} from '@conveyor/engine';
import { repoRoot } from '@conveyor/testing';
import { describe, expect, it } from 'vitest';

const reference = readFileSync(path.join(repoRoot, 'docs', 'workflows.md'), 'utf8');
/** The rows of the markdown tables: their first cell, unquoted. */
const rows = new Set([...reference.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]));

describe('docs/workflows.md', () => {
  it("documents every field of a definition, a step, a rate limit, a concurrency, a forEach and a webhook trigger's debounce, in its tables", () => {
    for (const schema of [
      workflowDefinitionSchema,
      stepDefinitionSchema,
      rateLimitSchema,
      concurrencySchema,
      forEachSchema,
      debounceSchema,
    ]) {
      for (const field of Object.keys(schema.shape)) expect(rows, field).toContain(field);
    }
    for (const field of Object.keys(retryPolicySchema.shape)) expect(reference, field).toContain(field);
  });

  it('has a section for every core action, and every kind of http.request connection', () => {
    for (const action of coreActions) expect(reference).toContain(`### \`${action.ref.key}\``);
    for (const option of httpCredentialsSchema.options) expect(reference).toContain(`"type": "${option.shape.type.value}"`);
  });
});
