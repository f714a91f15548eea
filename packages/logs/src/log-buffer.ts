import type { LogDocument } from './log-line';

/**
 * The writer's buffer: documents waiting for the store, oldest first, with their estimated size, and
 * two counters that flush waiters compare against — lines ever accepted, and lines that left the
 * buffer (written or dropped). Lines leave from the front only.
 */
export class LogBuffer {
  /** Entries [#head, #entries.length) are waiting; the settled prefix is cut off now and then. */
  #entries: BufferEntry[] = [];
  #head = 0;
  #bytes = 0;
  #accepted = 0;
  #settled = 0;

  get lines(): number {
    return this.#entries.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get accepted(): number {
    return this.#accepted;
  }

  get settled(): number {
    return this.#settled;
  }

  oldest(): BufferEntry | undefined {
    return this.#entries[this.#head];
  }

  push(entry: BufferEntry): void {
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    this.#accepted++;
  }

  /** The oldest `count` documents, still buffered. */
  front(count: number): LogDocument[] {
    return this.#entries.slice(this.#head, this.#head + count).map((entry) => entry.doc);
  }

  /** The oldest `count` lines left the buffer. */
  settleFront(count: number): void {
    for (let i = this.#head; i < this.#head + count; i++) this.#bytes -= this.#entries[i]?.bytes ?? 0;
    this.#head += count;
    this.#settled += count;
    if (this.#head >= 1024 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Every buffered line leaves the buffer unwritten; answers how many. */
  discardAll(): number {
    const lost = this.lines;
    this.#settled += lost;
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
    return lost;
  }
}

export interface BufferEntry {
  doc: LogDocument;
  bytes: number;
  /** `now()` when written: the age that triggers a flush. */
  at: number;
}
