/**
 * The client's GraphQL documents against the schema Hasura would generate for role `user` from
 * hasura/metadata and the migrated database (see role-schema.ts): every field a document selects
 * must exist and be permitted, every argument and variable must have the right type.
 */
import * as clientExports from '@conveyor/client';
import { DOCUMENTS } from '@conveyor/client';
import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import { type GraphQLSchema, Kind, type OperationDefinitionNode, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalog } from './db-catalog';
import { loadMetadata } from './metadata-files';
import { buildRoleSchema } from './role-schema';

let db: TestDatabase;
const schemas: Record<string, GraphQLSchema> = {};

beforeAll(async () => {
  db = await createTestDatabase('hasura_documents');
  const catalog = await readCatalog(db);
  const metadata = loadMetadata();
  for (const role of ['user', 'tenant_admin']) schemas[role] = buildRoleSchema(metadata, catalog, role);
});
afterAll(async () => {
  await db?.drop();
});

const errorsOf = (role: string, document: string) =>
  validate(schemas[role] as GraphQLSchema, parse(document)).map((error) => error.message);

describe('the client documents', () => {
  it('are all listed in DOCUMENTS under their operation name', () => {
    const operations = (Object.values(clientExports) as unknown[])
      .filter((value): value is string => typeof value === 'string')
      .flatMap((document) =>
        parse(document).definitions.filter(
          (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
        ),
      )
      .map((operation) => operation.name?.value);
    expect(new Set(operations)).toEqual(new Set(Object.keys(DOCUMENTS)));
    for (const [name, document] of Object.entries(DOCUMENTS)) {
      const operation = parse(document).definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
      expect((operation as OperationDefinitionNode | undefined)?.name?.value).toBe(name);
    }
  });

  it.each(Object.entries(DOCUMENTS))('%s validates for role user', (_name, document) => {
    expect(errorsOf('user', document)).toEqual([]);
  });

  it.each(Object.entries(DOCUMENTS))('%s validates for role tenant_admin', (_name, document) => {
    expect(errorsOf('tenant_admin', document)).toEqual([]);
  });
});

describe('the schema for user rejects what Hasura would reject', () => {
  it('a misspelled field', () => {
    expect(errorsOf('user', 'query { WorkflowRun_by_pk(id: "x") { id statuss } }')).toEqual([
      'Cannot query field "statuss" on type "WorkflowRun". Did you mean "status"?',
    ]);
  });

  it('a column user may not select (StepRun.jobId) or a table it may not read (Connection)', () => {
    expect(errorsOf('user', 'query { StepRun { id jobId } }')).toEqual([
      'Cannot query field "jobId" on type "StepRun". Did you mean "id"?',
    ]);
    expect(errorsOf('user', 'query { Connection { id credentialsCiphertext } }')).toHaveLength(1);
    expect(errorsOf('tenant_admin', 'query { Connection { id name } }')).toEqual([]);
    expect(errorsOf('tenant_admin', 'query { Connection { credentialsCiphertext } }')).toHaveLength(1);
  });

  it('an insert that sets a preset or unlisted column (status, tenantId)', () => {
    const insert = (fields: string) => `mutation { insert_WorkflowRun_one(object: { ${fields} }) { id } }`;
    expect(errorsOf('user', insert('workflowId: "w", input: {}, idempotencyKey: "k", priority: 1'))).toEqual([]);
    expect(errorsOf('user', insert('workflowId: "w", status: "RUNNING"'))).toHaveLength(1);
    expect(errorsOf('user', insert('workflowId: "w", tenantId: "t"'))).toHaveLength(1);
  });

  it('an update of a run, or an action only tenant_admin may call', () => {
    expect(
      errorsOf('user', 'mutation { update_WorkflowRun_by_pk(pk_columns: { id: "r" }, _set: { status: "CANCELLED" }) { id } }'),
    ).toHaveLength(1);
    const publish = 'mutation { publishWorkflowVersion(workflowId: "w", definition: {}) { ok version } }';
    expect(errorsOf('user', publish)).toHaveLength(1);
    expect(errorsOf('tenant_admin', publish)).toEqual([]);
  });

  it('a remote schema argument or variable of the wrong type', () => {
    expect(errorsOf('user', 'query { runLogs(runId: "r") { nextCursor } }')).not.toEqual([]);
    expect(errorsOf('user', 'query ($id: String!) { WorkflowRun_by_pk(id: $id) { id } }')).toEqual([
      'Variable "$id" of type "String!" used in position expecting type "uuid!".',
    ]);
  });
});
