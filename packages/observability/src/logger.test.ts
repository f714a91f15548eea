import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry } from './index';

function captureLines(): { lines: () => Record<string, unknown>[]; sink: Writable } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    sink,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with the service, child context and canonical keys', () => {
    const { sink, lines } = captureLines();
    const log = createLogger({ service: 'api', level: 'info', destination: sink });
    log.child({ tenantId: 't1' }).info({ workflowRunId: 'r1', durationMs: 3 }, 'run queued');
    log.debug('below the level');
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ service: 'api', tenantId: 't1', workflowRunId: 'r1', durationMs: 3, msg: 'run queued' });
  });

  it('serializes errors under the error key with their message and stack', () => {
    const { sink, lines } = captureLines();
    createLogger({ service: 'worker', level: 'info', destination: sink }).error({ error: new Error('boom') }, 'failed');
    const error = lines()[0]?.error as { message: string; stack: string };
    expect(error.message).toBe('boom');
    expect(error.stack).toContain('logger.test.ts');
  });
});

describe('createMetricsRegistry', () => {
  it('exposes process metrics labelled with the service', async () => {
    const text = await createMetricsRegistry('api').metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('service="api"');
  });
});
