/** Sample statistics shared by the benchmark scripts: figures to print, never to assert on. */

/** Median, p95 and max of a set of samples (milliseconds). */
export function stats(samples: number[]): { median: number; p95: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? Number.NaN };
}

/** Times `n` calls of `f` after `warmup` untimed ones. */
export function time(n: number, f: (i: number) => void, warmup = 0): { median: number; p95: number; max: number } {
  for (let i = 0; i < Math.min(warmup, n); i++) f(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f(i);
    out.push(performance.now() - t0);
  }
  return stats(out);
}
