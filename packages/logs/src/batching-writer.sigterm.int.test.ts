import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestMongo, repoRoot, type TestMongo } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixture = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'burst-producer.ts');

describe('a process stopped with SIGTERM during a burst', () => {
  let mongo: TestMongo;
  beforeAll(async () => {
    mongo = await createTestMongo('logs_sigterm');
  });
  afterAll(async () => {
    await mongo.drop();
  });

  it('drains its writer before exiting: every line it accepted is stored, once', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, '20000', 'sigterm-run'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', MONGO_URL: mongo.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // signal shortly after the burst began
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('READY') && child.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(stdout, stderr).toContain('READY');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const code = await exited;

    expect(code, stderr).toBe(0);
    const result = /RESULT (\{.*\})/.exec(stdout)?.[1];
    expect(result, stdout + stderr).toBeDefined();
    const { accepted, written, dropped, buffered } = JSON.parse(result ?? '{}');
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(20_000); // the signal did land mid-burst
    expect({ written, buffered }).toEqual({ written: accepted, buffered: 0 });
    expect(dropped).toBeGreaterThanOrEqual(0); // writes racing the signal are refused (counted), never lost silently

    const messages = await mongo.db
      .collection('execution_logs')
      .find({ workflowRunId: 'sigterm-run' }, { projection: { _id: 0, message: 1 } })
      .toArray();
    expect(messages).toHaveLength(accepted);
    expect(new Set(messages.map((m) => m.message)).size).toBe(accepted);
  });
});
