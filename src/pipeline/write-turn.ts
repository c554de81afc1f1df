/**
 * Whose turn it is to write, shared by the threads of a partitioned load (a SharedArrayBuffer and
 * Atomics): a destination that takes one writer at a time (SQLite) takes the turn around each
 * transaction. Waiting for it does not block the thread (Atomics.waitAsync), so a partition keeps
 * parsing its next batch meanwhile, and it is woken the moment the other one commits. Without it,
 * SQLite's busy handler blocks the waiting thread and polls in growing sleeps of up to 100 ms.
 */
const FREE = 0;
const TAKEN = 1;

export class WriteTurn {
  readonly #state: Int32Array;

  /** The memory to hand to every thread that shares the turn (e.g. in `workerData`). */
  static newBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  constructor(buffer: SharedArrayBuffer) {
    this.#state = new Int32Array(buffer);
  }

  /** Resolves once this thread has the turn; rejects if `signal` aborts first. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (Atomics.compareExchange(this.#state, 0, FREE, TAKEN) === FREE) return;
      const wait = Atomics.waitAsync(this.#state, 0, TAKEN, 1000);
      // Polled once a second too, so a cancelled wait ends promptly.
      if (wait.async) await wait.value;
    }
  }

  give(): void {
    Atomics.store(this.#state, 0, FREE);
    Atomics.notify(this.#state, 0, 1);
  }
}
