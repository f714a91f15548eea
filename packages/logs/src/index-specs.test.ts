import { describe, expect, it } from 'vitest';
import { indexesServeQueries, indexSpecs, isTtlRefusal, plainTimestampIndexSpec, ttlIndexSpec } from './index-specs';

describe('indexSpecs', () => {
  it("requests the seed's four indexes, the timestamp one as TTL with the retention in seconds, plus the paged-read index", () => {
    const specs = indexSpecs(7);
    expect(specs.map((spec) => spec.key)).toEqual([
      { tenantId: 1, workflowRunId: 1 },
      { tenantId: 1, workflowRunId: 1, stepRunId: 1 },
      { tenantId: 1, level: 1 },
      { tenantId: 1, workflowRunId: 1, timestamp: 1, _id: 1 },
      { timestamp: 1 },
    ]);
    expect(specs.at(-1)).toEqual({ key: { timestamp: 1 }, name: 'timestamp_1', expireAfterSeconds: 604_800 });
    expect(specs.filter((spec) => 'expireAfterSeconds' in spec)).toHaveLength(1);
    expect(new Set(specs.map((spec) => spec.name)).size).toBe(5);
  });

  it('scales the TTL with the retention, and the fallback index has the same key and name without TTL', () => {
    expect(ttlIndexSpec(1).expireAfterSeconds).toBe(86_400);
    expect(ttlIndexSpec(0.5).expireAfterSeconds).toBe(43_200);
    expect(plainTimestampIndexSpec()).toEqual({ key: { timestamp: 1 }, name: 'timestamp_1' });
  });
});

describe('indexesServeQueries', () => {
  it('is false for FerretDB 1.x only, whose filters no index of its own can serve', () => {
    expect(indexesServeQueries('FerretDB v1.24.2')).toBe(false);
    expect(indexesServeQueries('FerretDB v2.1.0')).toBe(true);
    expect(indexesServeQueries('MongoDB 7.0.14')).toBe(true);
  });
});

describe('isTtlRefusal', () => {
  it("recognises FerretDB's NotImplemented answer and similar refusals, not outages or conflicts", () => {
    expect(
      isTtlRefusal({
        code: 238,
        codeName: 'NotImplemented',
        message: 'Index option "expireAfterSeconds" is not implemented yet',
      }),
    ).toBe(true);
    expect(isTtlRefusal({ code: 72, message: 'invalid options' })).toBe(true);
    expect(isTtlRefusal({ message: 'expireAfterSeconds is not supported' })).toBe(true);
    expect(isTtlRefusal({ code: 85, message: 'Index with name: timestamp_1 already exists with different options' })).toBe(false);
    expect(isTtlRefusal(new Error('connect ECONNREFUSED 127.0.0.1:27017'))).toBe(false);
    expect(isTtlRefusal(null)).toBe(false);
  });
});
