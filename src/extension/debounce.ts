/**
 * Per-key debouncing (one pending run per document), with injectable timers so tests need no sleeps.
 */

/** The timer functions a debouncer uses; the globals by default, fakes in tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Runs the latest action for a key once no new one was scheduled for `delayMs`. */
export class KeyedDebouncer<K> {
  private readonly pending = new Map<K, { handle: unknown; action: () => void }>();

  constructor(
    private readonly delayMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Schedules `action` for `key`, replacing any action still waiting for that key. */
  schedule(key: K, action: () => void): void {
    this.cancel(key);
    const handle = this.timers.setTimeout(() => {
      this.pending.delete(key);
      action();
    }, this.delayMs);
    this.pending.set(key, { handle, action });
  }

  /** Drops the waiting action for `key`, if any. */
  cancel(key: K): void {
    const entry = this.pending.get(key);
    if (entry) {
      this.timers.clearTimeout(entry.handle);
      this.pending.delete(key);
    }
  }

  /** Runs the waiting action for `key` now (a command that needs fresh diagnostics). */
  flush(key: K): boolean {
    const entry = this.pending.get(key);
    if (!entry) return false;
    this.cancel(key);
    entry.action();
    return true;
  }

  /** True while an action waits for `key`. */
  isPending(key: K): boolean {
    return this.pending.has(key);
  }

  /** Cancels everything; nothing runs after this. */
  dispose(): void {
    for (const key of [...this.pending.keys()]) this.cancel(key);
  }
}
