import { describe, expect, it } from 'vitest';
import { createShutdown, type ShutdownParts } from './shutdown';

const quietLog = { info: () => undefined, warn: () => undefined };
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parts(overrides: Partial<ShutdownParts> & { events: string[] }): ShutdownParts {
  const { events } = overrides;
  return {
    log: quietLog,
    graceMs: 5_000,
    consumers: [{ close: async () => void events.push('consumers closed') }],
    reconciler: { stop: async () => void events.push('reconciler stopped') },
    composed: { close: async () => void events.push('writer drained, connections closed') },
    health: { close: () => void events.push('probes closed') },
    exit: (code) => void events.push(`exit ${code}`),
    ...overrides,
  };
}

describe('the worker’s graceful stop', () => {
  it('stops taking jobs at once, not behind a reconciler pass, then drains and exits 0', async () => {
    const events: string[] = [];
    const started = Date.now();
    const slowPass = { stop: () => wait(300).then(() => void events.push('reconciler stopped')) };
    const consumers = [{ close: async () => void events.push(`consumers closed after ${Date.now() - started} ms`) }];
    await createShutdown(parts({ events, reconciler: slowPass, consumers }))('SIGTERM');
    expect(events[0]).toMatch(/^consumers closed after \d+ ms$/);
    expect(Number(events[0]?.match(/\d+/)?.[0])).toBeLessThan(100);
    expect(events.slice(1)).toEqual(['reconciler stopped', 'writer drained, connections closed', 'probes closed', 'exit 0']);
  });

  it('exits 1 when active steps outlast the grace period, and acts once for repeated signals', async () => {
    const events: string[] = [];
    const stuck = [{ close: () => new Promise<void>(() => undefined) }];
    const shutdown = createShutdown(parts({ events, graceMs: 50, consumers: stuck }));
    void shutdown('SIGTERM');
    void shutdown('SIGINT');
    await wait(150);
    expect(events).toEqual(['reconciler stopped', 'exit 1']);
  });
});
