import { describe, expect, it } from 'vitest';
import { memberIdempotencyKeyProblem, RESERVED_IDEMPOTENCY_PREFIXES, serverIdempotencyKey } from './idempotency-keys';

describe('idempotency keys', () => {
  it('derives every server key under a reserved prefix', () => {
    const keys = [
      serverIdempotencyKey.webhook('trigger-1', 'abc'),
      serverIdempotencyKey.schedule('job-1'),
      serverIdempotencyKey.child('step-1'),
    ];
    for (const key of keys) expect(RESERVED_IDEMPOTENCY_PREFIXES.some((prefix) => key.startsWith(prefix))).toBe(true);
    for (const key of keys) expect(memberIdempotencyKeyProblem(key)).toMatch(/reserved/);
  });

  it("accepts a member's own key, bounded in length", () => {
    expect(memberIdempotencyKeyProblem('order-42')).toBeNull();
    expect(memberIdempotencyKeyProblem('Webhook:x')).toBeNull(); // prefixes are case-sensitive, as the unique index is
    expect(memberIdempotencyKeyProblem('x'.repeat(201))).toMatch(/1–200 characters/);
    expect(memberIdempotencyKeyProblem('')).toMatch(/1–200 characters/);
  });
});
