import { describe, expect, it } from 'vitest';
import { runHealthChecks } from './index';

describe('runHealthChecks', () => {
  it('is ok only when every check answers', async () => {
    const report = await runHealthChecks({ pg: async () => 1, redis: async () => 'PONG' });
    expect(report.ok).toBe(true);
    expect(Object.keys(report.checks)).toEqual(['pg', 'redis']);
  });

  it('names the failing check and its error', async () => {
    const report = await runHealthChecks({
      pg: async () => 1,
      redis: async () => {
        throw new Error('ECONNREFUSED');
      },
    });
    expect(report.ok).toBe(false);
    expect(report.checks.redis).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    expect(report.checks.pg?.ok).toBe(true);
  });

  it('gives up on a hung check after the timeout', async () => {
    const started = Date.now();
    const report = await runHealthChecks({ mongo: () => new Promise(() => undefined) }, 50);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.checks.mongo?.error).toBe('mongo did not answer within 50 ms');
  });
});
