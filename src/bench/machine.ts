/**
 * What the host is: CPU model, cores, last-level cache and the memory a run may plan for.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';

/** Last-level cache size in bytes from sysfs (Linux), or 0 when unknown. */
export function lastLevelCacheBytes(): number {
  const base = '/sys/devices/system/cpu/cpu0/cache';
  let best = { level: 0, bytes: 0 };
  try {
    for (const entry of readdirSync(base)) {
      if (!entry.startsWith('index')) continue;
      const level = Number(readFileSync(`${base}/${entry}/level`, 'utf8'));
      const size = readFileSync(`${base}/${entry}/size`, 'utf8').trim();
      const m = /^(\d+)([KMG]?)/.exec(size);
      if (!m) continue;
      const bytes = Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]!]!;
      if (level > best.level) best = { level, bytes };
    }
  } catch {
    // Not Linux, or sysfs hidden: the caller labels results with an unknown cache size.
  }
  return best.bytes;
}

/** The CPU's model name. */
export function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? 'unknown CPU';
}

/** Logical cores this process may use. */
export function cpuCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Bytes a run may still allocate: what the OS calls available (MemAvailable on Linux, via libuv),
 * bounded by a cgroup limit when one is set, less a margin for the runtime and the reference.
 */
export function availableMemoryBytes(): number {
  let available = os.freemem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  if (constrained && constrained > 0 && constrained < Number.MAX_SAFE_INTEGER) available = Math.min(available, constrained - process.memoryUsage().rss);
  return Math.max(0, Math.floor(available * 0.8));
}
