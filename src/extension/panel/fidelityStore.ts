/**
 * Conversion fidelity kept per config and KV head count, so the panel's what-if can show, for a count the user
 * converted to, what the conversion did to the attention layers (mirrors the benchmark results store,
 * src/extension/bench/resultStore.ts). Pure: no `vscode`; the panels service owns one instance.
 *
 * Keyed by the config's URI (string form) and N: converting again to the same N (another method, another folder)
 * replaces the entry, since the panel shows one set of figures per what-if row.
 */
import { median } from '../../core/uptrain/fidelity';
import type { ConvertReport } from '../../convert/types';
import type { PanelFidelity, PanelSpread } from '../../shared/panelProtocol';

/** The cosine's spread: the worst layer is the one whose output turned furthest, the smallest cosine. */
function cosineSpread(layers: readonly { layer: number; cosine: number }[]): PanelSpread {
  let worst = layers[0];
  for (const l of layers) if (worst === undefined || l.cosine < worst.cosine) worst = l;
  return { worst: worst?.cosine ?? 1, worstLayer: worst?.layer ?? 0, median: layers.length ? median(layers.map((l) => l.cosine)) : 1 };
}

/** A finished conversion's figures as the panel shows them. */
export function toPanelFidelity(report: ConvertReport, date: Date = new Date()): PanelFidelity {
  const f = report.functional;
  const e = report.summary.relativeError;
  return {
    kvHeads: report.newKvHeads,
    method: report.method,
    sharingError: report.summary.sharingError,
    ...(f && e && f.layers.length ? { attention: { relativeError: e, cosine: cosineSpread(f.layers), inputs: f.inputs } } : {}),
    out: report.out,
    date: date.toISOString(),
  };
}

/** Fidelity by config, one entry per KV head count, capped per config so memory stays bounded. */
export class FidelityStore {
  private readonly byConfig = new Map<string, Map<number, PanelFidelity>>();

  constructor(private readonly perConfig = 16) {}

  /** Records (or replaces) the entry for its KV head count; the oldest goes when the cap is reached. */
  add(configUri: string, entry: PanelFidelity): void {
    const entries = this.byConfig.get(configUri) ?? new Map<number, PanelFidelity>();
    entries.delete(entry.kvHeads);
    entries.set(entry.kvHeads, entry);
    while (entries.size > this.perConfig) entries.delete(entries.keys().next().value as number);
    this.byConfig.set(configUri, entries);
  }

  /** A config's entries, fewest KV heads first. */
  get(configUri: string): PanelFidelity[] {
    return [...(this.byConfig.get(configUri)?.values() ?? [])].sort((a, b) => a.kvHeads - b.kvHeads);
  }

  /** Forgets a config's entries. */
  clear(configUri: string): void {
    this.byConfig.delete(configUri);
  }
}
