import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiEnvSchema, boardEnvSchema, consoleEnvSchema, workerEnvSchema } from '@conveyor/config';
import { repoRoot } from '@conveyor/testing';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('README', () => {
  it('documents exactly the environment variables the apps accept', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1]);
    const accepted = new Set(
      [apiEnvSchema, workerEnvSchema, boardEnvSchema, consoleEnvSchema].flatMap((schema) => Object.keys(schema.shape)),
    );
    expect(new Set(documented)).toEqual(accepted);
    expect(documented.length).toBe(accepted.size);
  });

  it('gives the test command that CI runs, and the start command', () => {
    expect(readme).toContain('npm test ');
    expect(readme).toContain('npm start ');
    expect(readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
