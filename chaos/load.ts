// The webhook load and the local HTTP target the workflow's http.request step calls.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep } from './cleanup';

const action = (key: string) => ({ app: 'core', version: '1', key });

/** transform → http.request (the target, ~50 ms) → transform; a run with `slow: true` makes the target slow. */
export function chaosWorkflow(targetUrl: string) {
  return {
    steps: [
      { key: 'prepare', action: action('transform'), input: { value: { n: '{{ input.n }}', slow: '{{ input.slow }}' } } },
      {
        key: 'call',
        action: action('http.request'),
        dependsOn: ['prepare'],
        input: {
          method: 'POST',
          url: `${targetUrl}/work`,
          body: { n: '{{ steps.prepare.output.n }}', slow: '{{ steps.prepare.output.slow }}' },
          timeoutMs: 60_000,
        },
      },
      {
        key: 'finish',
        action: action('transform'),
        dependsOn: ['call'],
        input: { value: { status: '{{ steps.call.output.status }}' } },
      },
    ],
  };
}

export interface TargetCall {
  key: string;
  at: number;
  remotePort: number;
  /** The caller's address (which worker's host, in the multi-host run). */
  remoteAddress: string;
}

export interface Target {
  url: string;
  port: number;
  calls: TargetCall[];
  /** Calls per Idempotency-Key. */
  counts(): Map<string, number>;
  /** Awaits the next call whose body has `slow: true` (bounded). */
  nextSlowCall(timeoutMs: number, after?: number): Promise<TargetCall>;
  close(): Promise<void>;
}

/** Answers POST /work after ~50 ms (or `slowMs` for a body with `slow: true`), counting Idempotency-Keys. */
export async function startTarget({ host = '127.0.0.1', slowMs = 8_000, extraHosts = [] as string[] } = {}): Promise<Target> {
  const calls: TargetCall[] = [];
  const slowCalls: TargetCall[] = [];
  const handler: http.RequestListener = (req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += String(chunk);
    });
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? 'none');
      const call = {
        key,
        at: Date.now(),
        remotePort: req.socket.remotePort ?? 0,
        remoteAddress: req.socket.remoteAddress ?? '',
      };
      calls.push(call);
      const slow = /"slow":\s*(true|"true")/.test(body);
      if (slow) slowCalls.push(call);
      setTimeout(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        },
        slow ? slowMs : 50,
      );
    });
  };
  const main = http.createServer(handler);
  const servers = [main];
  await new Promise<void>((resolve) => main.listen(0, host, resolve));
  const port = (main.address() as AddressInfo).port;
  for (const extra of extraHosts) {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, extra, resolve));
  }
  return {
    url: `http://${host}:${port}`,
    port,
    calls,
    counts() {
      const counts = new Map<string, number>();
      for (const call of calls) counts.set(call.key, (counts.get(call.key) ?? 0) + 1);
      return counts;
    },
    async nextSlowCall(timeoutMs, after = 0) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const call = slowCalls.find((c) => c.at > after);
        if (call) return call;
        await sleep(100);
      }
      throw new Error(`no slow call within ${timeoutMs} ms`);
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

/** The pid (among `pids`) holding the TCP connection whose local port is `port` (from /proc/net/tcp and fds). */
export function pidOfLocalPort(port: number, pids: number[]): number | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (local && Number.parseInt(local.split(':')[1] ?? '', 16) === port) inodes.add(cols[9] ?? '');
    }
  }
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return pid;
      }
    } catch {
      // gone
    }
  }
  return undefined;
}

export interface LoadResult {
  sent: number;
  accepted: string[];
  statuses: Record<string, number>;
  /** `<status> <code>` of 5xx answers, counted. */
  errors5xx: Record<string, number>;
  startedAt: number;
  endedAt: number;
}

/** POSTs `runs` webhook calls at `perSecond`, at most `concurrency` in flight, each with a 10 s timeout. */
export async function driveLoad(opts: {
  apiUrl: string;
  triggerId: string;
  secret: string;
  runs: number;
  perSecond: number;
  concurrency?: number;
  input?: (i: number) => object;
}): Promise<LoadResult> {
  const result: LoadResult = { sent: 0, accepted: [], statuses: {}, errors5xx: {}, startedAt: Date.now(), endedAt: 0 };
  const concurrency = opts.concurrency ?? 20;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const fire = async (i: number) => {
    let status = 'network';
    try {
      const response = await fetch(`${opts.apiUrl}/hooks/triggers/${opts.triggerId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-conveyor-trigger-secret': opts.secret,
          'idempotency-key': `chaos-${i}`,
        },
        body: JSON.stringify(opts.input?.(i) ?? { n: i }),
        signal: AbortSignal.timeout(10_000),
      });
      status = String(response.status);
      const body = (await response.json().catch(() => ({}))) as { runId?: string; code?: string; error?: { code?: string } };
      if (response.ok && body.runId) result.accepted.push(body.runId);
      if (response.status >= 500) {
        const key = `${response.status} ${body.code ?? body.error?.code ?? '?'}`;
        result.errors5xx[key] = (result.errors5xx[key] ?? 0) + 1;
      }
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
    }
    result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  };
  const gap = 1_000 / opts.perSecond;
  for (let i = 0; i < opts.runs; i++) {
    const due = result.startedAt + i * gap;
    if (due > Date.now()) await sleep(due - Date.now());
    for (let spins = 0; inFlight >= concurrency && spins < 1_000; spins++) await sleep(10);
    inFlight++;
    result.sent++;
    pending.push(fire(i).finally(() => inFlight--));
  }
  await Promise.all(pending);
  result.endedAt = Date.now();
  return result;
}
