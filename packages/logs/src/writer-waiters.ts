/**
 * The promises callers hold on the writer: flush waiters, each waiting until the buffer has settled
 * up to its target line, and capacity waiters, waiting for the buffer to fall below its soft limit.
 */
export class WriterWaiters {
  readonly #flush: { target: number; resolve: () => void }[] = [];
  #capacity: (() => void)[] = [];

  get waitingForCapacity(): boolean {
    return this.#capacity.length > 0;
  }

  /** Resolves once `settled` reaches `target` (or the writer gives up). */
  untilSettled(target: number): Promise<void> {
    return new Promise((resolve) => this.#flush.push({ target, resolve }));
  }

  /** Resolves once there is capacity again. */
  untilCapacity(): Promise<void> {
    return new Promise((resolve) => this.#capacity.push(resolve));
  }

  /** Resolves the waiters whose condition now holds. */
  release(now: { settled: number; abandoned: boolean; hasCapacity: boolean }): void {
    for (let i = this.#flush.length - 1; i >= 0; i--) {
      const waiter = this.#flush[i];
      if (waiter && (now.settled >= waiter.target || now.abandoned)) {
        this.#flush.splice(i, 1);
        waiter.resolve();
      }
    }
    if (this.#capacity.length > 0 && now.hasCapacity) {
      const waiting = this.#capacity;
      this.#capacity = [];
      for (const resolve of waiting) resolve();
    }
  }
}
