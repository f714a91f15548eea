import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@conveyor/testing';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

// The console codes against the api's own description: its types are generated from docs/openapi.json
// (which tests/docs/openapi.int.test.ts keeps equal to what the api serves), so a changed route shape
// fails the console's typecheck instead of its users. UPDATE_DOCS=1 rewrites the file.
const spec = path.join(repoRoot, 'docs', 'openapi.json');
const generated = path.join(repoRoot, 'apps', 'console', 'src', 'web', 'api', 'generated', 'openapi.ts');
const HEADER = '// Generated from docs/openapi.json by tests/docs/console-api-types.test.ts (UPDATE_DOCS=1); do not edit.\n\n';

describe('the console’s api types', () => {
  it('are generated from docs/openapi.json', async () => {
    const types = HEADER + astToString(await openapiTS(readFileSync(spec, 'utf8')));
    if (process.env.UPDATE_DOCS === '1') writeFileSync(generated, types);
    expect(readFileSync(generated, 'utf8')).toBe(types);
  });
});
