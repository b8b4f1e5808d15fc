/**
 * Benchmark reports kept per config, newest first, so the panel can compare runs (another EP,
 * dtype, context) of the same model. Pure; the extension owns one instance and may persist
 * `toJSON()` in workspace state.
 */
import type { BenchReport } from '../../shared/benchProtocol';

/** One stored run. */
export interface StoredRun {
  /** The config's URI (string form). */
  configUri: string;
  /** When the run finished (ISO). */
  at: string;
  report: BenchReport;
}

/** Reports by config, capped per config so memory stays bounded. */
export class BenchResultStore {
  private readonly runs = new Map<string, StoredRun[]>();

  constructor(private readonly perConfig = 10) {}

  /** Adds a finished run and returns it. */
  add(configUri: string, report: BenchReport): StoredRun {
    const run: StoredRun = { configUri, at: report.provenance.date, report };
    const list = [run, ...(this.runs.get(configUri) ?? [])].slice(0, this.perConfig);
    this.runs.set(configUri, list);
    return run;
  }

  /** Runs of one config, newest first. */
  get(configUri: string): readonly StoredRun[] {
    return this.runs.get(configUri) ?? [];
  }

  /** Forgets a config's runs (e.g. the file was deleted). */
  clear(configUri: string): void {
    this.runs.delete(configUri);
  }

  /** Everything, for workspace-state persistence. */
  toJSON(): StoredRun[] {
    return [...this.runs.values()].flat();
  }

  /** Restores from {@link toJSON} output, ignoring malformed entries. */
  static fromJSON(data: unknown, perConfig = 10): BenchResultStore {
    const store = new BenchResultStore(perConfig);
    if (!Array.isArray(data)) return store;
    for (const item of [...data].reverse()) {
      const run = item as Partial<StoredRun>;
      if (typeof run.configUri === 'string' && run.report && Array.isArray(run.report.results)) store.add(run.configUri, run.report);
    }
    return store;
  }
}
