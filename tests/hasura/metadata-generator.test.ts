import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTableFiles, staleTableFiles, TABLES_DIR } from '../../scripts/hasura-tables/table-files';

describe('scripts/hasura-metadata.ts', () => {
  it('has written the table metadata exactly as its spec renders it (run `npm run hasura:metadata`)', () => {
    expect(staleTableFiles()).toEqual([]);
  });

  it('notices a hand edit, a missing file and a stray file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hasura-tables-'));
    try {
      for (const [name, content] of renderTableFiles()) writeFileSync(path.join(dir, name), content);
      expect(staleTableFiles(dir)).toEqual([]);
      const edited = readFileSync(path.join(dir, 'public_WorkflowRun.yaml'), 'utf8').replace(
        '- priority\n',
        '- priority\n        - status\n',
      );
      writeFileSync(path.join(dir, 'public_WorkflowRun.yaml'), edited);
      rmSync(path.join(dir, 'public_StepRun.yaml'));
      writeFileSync(path.join(dir, 'public_Orphan.yaml'), 'table: { name: Orphan, schema: public }\n');
      expect(staleTableFiles(dir)).toEqual(['public_Orphan.yaml', 'public_StepRun.yaml', 'public_WorkflowRun.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes one file per table and a tables.yaml that includes each of them', () => {
    const files = renderTableFiles();
    const includes = readFileSync(path.join(TABLES_DIR, 'tables.yaml'), 'utf8').match(/!include (\S+?)"/g) ?? [];
    expect(includes.length).toBe(files.size - 1);
  });
});
