// Everything the suite starts registers how to undo it here; the undo runs once, last in first out, on a
// normal end, a failure, SIGINT or SIGTERM. Only what the suite itself started is ever stopped.

type Undo = { name: string; run: () => Promise<void> | void };

const undos: Undo[] = [];
let installed = false;

export function onCleanup(name: string, run: () => Promise<void> | void): () => void {
  installSignalHandlers();
  const undo = { name, run };
  undos.push(undo);
  return () => {
    const index = undos.indexOf(undo);
    if (index >= 0) undos.splice(index, 1);
  };
}

/**
 * Runs every registered undo (each bounded to 30 s; an error is printed, the rest still run). A call made
 * while a cleanup is running (a signal during a failure's cleanup, or the reverse) joins that one.
 */
export function cleanupAll(): Promise<void> {
  running ??= undoAll().finally(() => {
    running = null;
  });
  return running;
}

let running: Promise<void> | null = null;

async function undoAll(): Promise<void> {
  while (undos.length > 0) {
    const undo = undos.pop() as Undo;
    try {
      await Promise.race([Promise.resolve(undo.run()), sleep(30_000).then(() => Promise.reject(new Error('timed out')))]);
    } catch (error) {
      process.stderr.write(`chaos: cleanup of ${undo.name} failed: ${String(error)}\n`);
    }
  }
  // Nothing left to undo: the process's own signal behaviour again.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.removeListener(signal, onSignal);
  installed = false;
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
}

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`chaos: ${signal}, cleaning up\n`);
  void cleanupAll().finally(() => process.exit(130));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 200 ms until it is true; throws after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${what}: not ready within ${timeoutMs} ms`);
}
