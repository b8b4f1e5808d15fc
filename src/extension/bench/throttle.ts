/**
 * Progress throttling for the notification: VS Code redraws on every report, and the worker may
 * report many times a second. Pure (no `vscode`), so it is tested with plain `node --test`.
 */

/** Passes at most one value per `intervalMs`, always the latest; `flush` delivers a held one. */
export class Throttle<T> {
  private last = -Infinity;
  private held: T | undefined;

  constructor(
    private readonly deliver: (value: T) => void,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Delivers now if the interval has passed, else keeps `value` for the next chance. */
  push(value: T): void {
    const t = this.now();
    if (t - this.last >= this.intervalMs) {
      this.last = t;
      this.held = undefined;
      this.deliver(value);
    } else this.held = value;
  }

  /** Delivers the held value, if any (at the end of a run). */
  flush(): void {
    if (this.held === undefined) return;
    const value = this.held;
    this.held = undefined;
    this.last = this.now();
    this.deliver(value);
  }
}

/** Converts absolute fractions (0..1) into the increments `Progress.report` expects (percent). */
export function incrementTracker(): (fraction: number) => number {
  let reported = 0;
  return (fraction) => {
    const target = Math.max(reported, Math.min(100, fraction * 100));
    const step = target - reported;
    reported = target;
    return step;
  };
}
