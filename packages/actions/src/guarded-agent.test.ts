import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionError } from './action-error';
import { createDestinationPolicy } from './destination-policy';
import { createGuardedAgent } from './guarded-agent';

// The agent is the second line of defence: these requests skip http.request's pre-connect check.
describe('createGuardedAgent', () => {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('ok');
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a literal IP the policy refuses, at connect', async () => {
    const agent = createGuardedAgent(createDestinationPolicy([]));
    try {
      const error = await request(`http://127.0.0.1:${port}/literal`, { dispatcher: agent.dispatcher }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ActionError);
      expect(error).toMatchObject({ kind: 'destination_refused', details: { range: 'loopback' } });
      expect(hits).not.toContain('/literal');
    } finally {
      await agent.close();
    }
  });

  it('refuses a hostname whose addresses the policy refuses, at lookup', async () => {
    const agent = createGuardedAgent(createDestinationPolicy([]));
    try {
      const error = await request(`http://localhost:${port}/named`, { dispatcher: agent.dispatcher }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ kind: 'destination_refused' });
      expect(hits).not.toContain('/named');
    } finally {
      await agent.close();
    }
  });

  it('connects when the policy allows the address', async () => {
    const agent = createGuardedAgent(createDestinationPolicy(['127.0.0.0/8']));
    try {
      const literal = await request(`http://127.0.0.1:${port}/ok`, { dispatcher: agent.dispatcher });
      expect(await literal.body.text()).toBe('ok');
      const named = await request(`http://localhost:${port}/ok`, { dispatcher: agent.dispatcher });
      expect(await named.body.text()).toBe('ok');
    } finally {
      await agent.close();
    }
  });
});
