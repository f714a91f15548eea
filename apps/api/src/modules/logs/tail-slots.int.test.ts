import { insertRun, seedWorkflow } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

let api: TestApi;
let address: string;
beforeAll(async () => {
  api = await createTestApi({ label: 'tail_slots', env: { LOG_TAIL_MAX_PER_USER: '2', LOG_TAIL_MAX_TOTAL: '3' } });
  address = await api.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await api.close();
});

async function member() {
  const fixture = await seedWorkflow(api.db.prisma, definition);
  return { runId: await insertRun(api.db.prisma, fixture), token: await api.tokenFor(fixture) };
}

/** Opens a live tail and keeps it open until `close()`; resolves once the answer's head arrived. */
async function openTail({ runId, token }: { runId: string; token: string }) {
  const controller = new AbortController();
  const response = await fetch(`${address}/v1/runs/${runId}/logs/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  return {
    status: response.status,
    body: response.status === 200 ? null : ((await response.json()) as { error: { code: string; message: string } }),
    close: () => controller.abort(),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('live log tails are bounded per user and in total', () => {
  it("refuses a user's third tail with 429 until one of the first two closes", async () => {
    const alice = await member();
    const first = await openTail(alice);
    const second = await openTail(alice);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await openTail(alice);
    expect(third.status).toBe(429);
    expect(third.body?.error).toMatchObject({
      code: 'RATE_LIMITED',
      message: 'at most 2 live log tails per user; close one first',
    });
    first.close();
    await settle();
    const again = await openTail(alice);
    expect(again.status).toBe(200);
    second.close();
    again.close();
    await settle();
  });

  it('refuses any tail past the process-wide bound, whoever asks', async () => {
    const open = [];
    for (const user of [await member(), await member()]) {
      open.push(await openTail(user), await openTail(user));
    }
    expect(open.map((tail) => tail.status)).toEqual([200, 200, 200, 429]);
    expect(open[3]?.body?.error.message).toMatch(/all the live log tails it can/);
    for (const tail of open) tail.close();
    await settle();
  });
});
