/**
 * The shared context of the hover topics (heads.ts, layers.ts, model.ts): one model under the user's
 * settings. Numbers come from the core arithmetic (computeKv, whatIf); every string from the file is
 * escaped (esc) or fenced (codeBlock).
 */
import type { Analysis } from '../analyze';
import { formatBytes, formatInt, formatTokens } from '../format';
import { computeKv } from '../kv';
import { valueAt } from '../parse';
import { kvOptionsFromSettings } from '../settings';
import type { KvLensSettings } from '../settings';
import type { Derived, JsonPath, KvOptions, KvReport, ModelDescription } from '../types';
import { groupingMap, withKvHeads } from '../whatif';
import { codeBlock, esc, table, times } from './markdown';
import { engineEstimates, ENGINE_LABELS } from '../engines';
import { HOVER_COMMANDS } from './markdown';
import type { CommandLinks } from './markdown';

/** What the hover is about. */
export interface HoverTarget {
  key: string;
  path: JsonPath;
  /** The object holding the key. */
  container: JsonPath;
  /** Index into a list value (layer_types entry). */
  entry?: number;
}

export const KIND_WORDS: Record<string, string> = {
  MHA: 'multi-head attention',
  GQA: 'grouped-query attention',
  MQA: 'multi-query attention',
  MLA: 'multi-head latent attention',
  none: 'no attention cache',
};

/**
 * Reports by model and options. The editor layer keeps one analysis (so one ModelDescription) per document
 * version, so repeated hovers on the same version reuse the arithmetic; the entries go with the model.
 */
const REPORTS = new WeakMap<ModelDescription, Map<string, KvReport>>();

/** Layer summaries by model. */
const SUMMARIES = new WeakMap<ModelDescription, string>();

/** computeKv, memoised per model description and options. */
export function report(model: ModelDescription, opts: KvOptions, variant = ''): KvReport {
  let byOpts = REPORTS.get(model);
  if (!byOpts) REPORTS.set(model, (byOpts = new Map()));
  const key = `${variant}|${opts.context ?? ''}|${opts.batch ?? ''}|${opts.kvDtype ?? ''}|${opts.tp ?? ''}`;
  let r = byOpts.get(key);
  if (!r) {
    const m = variant === 'mha' ? withKvHeads(model, model.attention.queryHeads.value) : variant === 'unwindowed' ? unwindowed(model) : model;
    byOpts.set(key, (r = computeKv(m, opts)));
  }
  return r;
}

/** The model with every sliding / chunked layer keeping the whole context. */
function unwindowed(m: ModelDescription): ModelDescription {
  return { ...m, layers: m.layers.map((l) => (l.kind === 'sliding' || l.kind === 'chunked' ? { ...l, kind: 'full' as const } : l)) };
}

/**
 * What every hover topic of one model shares: the analysis, the settings, the command links, the costs
 * (computed once per hover, lazily) and the sentences and tables several topics use.
 */
export class HoverContext {
  readonly opts: KvOptions;
  modelReport?: KvReport;
  settingsReport?: KvReport;

  constructor(
    readonly analysis: Analysis,
    readonly model: ModelDescription,
    readonly settings: KvLensSettings,
    readonly links: CommandLinks,
  ) {
    this.opts = kvOptionsFromSettings(settings);
  }

  /** The cache at the model's maximum context, one sequence, the settings' dtype. */
  atModel(): KvReport {
    return (this.modelReport ??= report(this.model, this.modelOpts()));
  }

  /** The cache at the settings' context, batch, dtype and tensor parallelism. */
  atSettings(): KvReport {
    return (this.settingsReport ??= report(this.model, this.opts));
  }

  /** Options for "at the model's context": one sequence, the settings' dtype, one GPU. */
  modelOpts(): KvOptions {
    return this.opts.kvDtype ? { kvDtype: this.opts.kvDtype } : {};
  }

  /** "32 query heads share 8 KV heads: 8 groups of 4." */
  groupingSentence(): string {
    const a = this.model.attention;
    const q = a.queryHeads.value;
    const kv = a.kvHeads.value;
    const from = a.kvHeads.defaulted ? ` (${esc(a.kvHeads.note ?? 'default')})` : '';
    switch (a.kind) {
      case 'MHA': return `each of the ${q} query heads has its own KV head${from}.`;
      case 'MQA': return `all ${q} query heads share 1 KV head${from}.`;
      case 'GQA': return `${q} query heads share ${kv} KV heads: ${kv} groups of ${fmtRatio(q, kv)}${from}.`;
      default: return 'no attention layer keeps a per-token KV cache.';
    }
  }

  mlaSentence(): string {
    const mla = this.model.mla;
    if (!mla) return '';
    return `${this.model.attention.queryHeads.value} query heads; each layer caches one latent of kv_lora_rank + qk_rope_head_dim = ${mla.kvLoraRank.value} + ${mla.qkRopeHeadDim.value} = ${mla.latent} values per token (vLLM, SGLang, llama.cpp), shared by all heads.`;
  }

  kindSentence(): string {
    const a = this.model.attention;
    if (this.model.encoderOnly) return 'Encoder-only: no KV cache at inference.';
    if (this.model.mla) return `**MLA**: ${this.mlaSentence()}`;
    return `**${a.kind}** (${KIND_WORDS[a.kind] ?? ''}): ${this.groupingSentence()}`;
  }

  /** Which KV head each query head reads, as runs: "kv 0 <- q 0-3". Long lists keep the first three and the last. */
  picture(): string {
    const a = this.model.attention;
    if (a.kind === 'none' || a.kvHeads.value <= 0) return '';
    if (a.kvHeads.value === a.queryHeads.value) return codeBlock([`kv i <- q i  # for i = 0..${a.queryHeads.value - 1}: one KV head per query head`]);
    if (a.queryHeads.value > 4096) return ''; // no real model; keeps the map bounded
    const map = groupingMap(a.queryHeads.value, a.kvHeads.value);
    const runs: { kv: number; from: number; to: number }[] = [];
    map.forEach((kv, q) => {
      const last = runs[runs.length - 1];
      if (last && last.kv === kv && last.to === q - 1) last.to = q;
      else runs.push({ kv, from: q, to: q });
    });
    const w = String(a.queryHeads.value - 1).length;
    const line = (r: { kv: number; from: number; to: number }) =>
      `kv ${String(r.kv).padStart(String(a.kvHeads.value - 1).length)} <- q ${r.from === r.to ? String(r.from).padStart(w) : `${String(r.from).padStart(w)}-${String(r.to).padStart(w)}`}  ${'#'.repeat(Math.min(16, r.to - r.from + 1))}`;
    const shown = runs.length <= 8 ? runs.map(line) : [...runs.slice(0, 3).map(line), `... ${runs.length - 4} more groups ...`, line(runs[runs.length - 1]!)];
    return codeBlock(shown);
  }

  /** Costs: per token, at the model's context, at the settings' context and batch, vs MHA, decode bound. */
  costTable(withComparison: boolean): string {
    const m = this.model;
    const r0 = this.atModel();
    const r1 = this.atSettings();
    if (r0.bytesPerToken === 0 && r0.stateBytes === 0) return m.encoderOnly ? 'No KV cache: encoder-only models attend over the whole input in one pass.' : 'No per-token KV cache.';
    const rows: [string, string][] = [];
    rows.push(['KV cache per token', r0.bytesPerToken > 0 ? `**${formatBytes(r0.bytesPerToken)}** (${formatInt(r0.bytesPerToken)} B, ${esc(r0.dtype)})` : 'none: no layer caches per token']);
    if (r0.stateBytes > 0) rows.push(['Fixed state per sequence', formatBytes(r0.stateBytes)]);
    rows.push([`At the model's context, ${formatTokens(r0.context)}, 1 sequence`, formatBytes(r0.totalBytes)]);
    const ctxLabel = this.settings.context > 0 ? `kvLens.context ${formatTokens(r1.context)}` : `model context ${formatTokens(r1.context)}`;
    rows.push([`At ${ctxLabel} x batch ${r1.batch}`, `${formatBytes(r1.totalBytes)}${r1.tp > 1 ? `; ${formatBytes(r1.perGpuBytes)} per GPU at tp ${r1.tp}${r1.replication > 1 ? ` (KV heads replicated ${r1.replication}x)` : ''}` : ''}`]);
    if (withComparison) {
      const cmp = this.comparison();
      if (cmp) rows.push(...cmp);
    }
    return table(rows);
  }

  /**
   * Saving against MHA and the decode speed-up bound, as whatIf defines them (the same model regrouped to as
   * many KV heads as query heads; bound = query heads / KV heads), costing only the MHA variant.
   */
  comparison(): [string, string][] | undefined {
    const m = this.model;
    const a = m.attention;
    if (a.kind === 'none' || a.queryHeads.value <= 0) return undefined;
    const mha = report(m, this.modelOpts(), 'mha');
    const cur = this.atModel();
    if (mha.bytesPerToken <= 0 || cur.bytesPerToken <= 0) return undefined;
    const ratio = mha.bytesPerToken / cur.bytesPerToken;
    const saving = `saving ${formatBytes(mha.totalBytes - cur.totalBytes)} at ${formatTokens(cur.context)}`;
    if (m.mla) {
      return [
        [`vs MHA (${a.queryHeads.value} KV heads, as HF transformers' eager code caches it)`, `${formatBytes(mha.bytesPerToken)} per token: MLA is ${times(ratio)} smaller, ${saving}`],
        ['Decode speed-up bound (cache reads)', `${times(ratio)} vs MHA`],
      ];
    }
    if (a.kvHeads.value === a.queryHeads.value) return [['vs MHA', 'this is MHA: no saving; fewer KV heads would shrink the cache (see the panel)'], ['Decode speed-up bound', '1x']];
    return [
      [`vs MHA (${a.queryHeads.value} KV heads)`, `${formatBytes(mha.bytesPerToken)} per token: ${times(ratio)} smaller, ${saving}`],
      ['Decode speed-up bound (cache reads)', `${times(a.queryHeads.value / a.kvHeads.value)} vs MHA`],
    ];
  }

  /**
   * What each serving engine allocates at the settings' context, batch, dtype, tp and GPU memory (core/engines):
   * one row per engine; memory-sized pools rest on an estimated activation reserve, marked "~".
   */
  engineTable(): string {
    const r = this.atSettings();
    if (r.bytesPerToken === 0 && r.stateBytes === 0) return '';
    const gpu = this.settings.gpuMemoryGiB > 0 ? this.settings.gpuMemoryGiB : undefined;
    const est = engineEstimates(this.model, { ...(gpu ? { gpuMemoryGiB: gpu } : {}), context: r.context, batch: r.batch, tp: r.tp, ...(this.opts.kvDtype ? { kvDtype: this.opts.kvDtype } : {}) });
    const rows: [string, string][] = est.map((e) => {
      const estimate = e.assumptions.some((a) => a.estimate) && e.engine !== 'llama.cpp' ? '~' : '';
      const parts = [e.kvBytesPerGpu ? `${estimate}${formatBytes(e.kvBytesPerGpu)} per GPU` : 'pool sized from GPU memory'];
      if (e.poolTokens !== undefined && e.engine !== 'llama.cpp') parts.push(`${estimate}${formatInt(e.poolTokens)} tokens`);
      if (e.engine === 'llama.cpp') parts.push(`${formatInt(e.poolTokens ?? 0)} cells`);
      if (e.maxConcurrency !== undefined && e.engine !== 'llama.cpp') parts.push(`${estimate}${times(e.maxConcurrency)} requests at ${formatTokens(r.context)}`);
      if (e.fits === false) parts.push('**does not fit**');
      return [ENGINE_LABELS[e.engine], parts.join(', ')];
    });
    return `Engines at ${formatTokens(r.context)} x ${r.batch}${gpu ? `, ${gpu} GiB per GPU` : ''} (~ rests on an estimated activation reserve):\n\n${table(rows)}`;
  }

  formula(): string {
    const m = this.model;
    const r = this.atModel();
    if (r.bytesPerToken === 0) return '';
    const a = m.attention;
    const fields: string[] = [];
    if (m.mla) {
      fields.push(`latent: ${describe(m.mla.kvLoraRank)} + ${describe(m.mla.qkRopeHeadDim)}`);
    } else {
      fields.push(`KV heads ${a.kvHeads.value}: ${describe(a.kvHeads)}`);
      fields.push(`head size ${a.headDimK.value}: ${describe(a.headDimK)}`);
    }
    fields.push(`layers ${m.numLayers.value}: ${describe(m.numLayers)}`);
    fields.push(`element ${r.bytesPerElement} B: ${esc(r.dtypeFrom)}`);
    return `${codeBlock([r.formula])}\n\nFrom: ${fields.join('; ')}.`;
  }

  /** "48 layers: 36 fixed state (linear_attention), 12 full attention." Memoised: list entries hover often. */
  layerSummary(): string {
    const known = SUMMARIES.get(this.model);
    if (known !== undefined) return known;
    const counts = new Map<string, number>();
    for (const l of this.model.layers) {
      const k = l.sharesCacheWith !== undefined ? 'reuse an earlier cache' : l.kind === 'full' ? 'full attention' : l.kind === 'sliding' ? `sliding window ${formatInt(l.window ?? 0)}` : l.kind === 'chunked' ? `chunked ${formatInt(l.window ?? 0)}` : l.kind === 'compressed' ? 'windowed + compressed' : l.kind === 'state' ? `fixed state (${l.label})` : `no cache (${l.label})`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const summary = `${this.model.layers.length} layers: ${[...counts].map(([k, n]) => `${n} ${esc(k)}`).join(', ')}.`;
    SUMMARIES.set(this.model, summary);
    return summary;
  }

  linksLine(): string {
    const links = [this.links.link('Open KV Lens panel', HOVER_COMMANDS.openPanel), this.links.link('Run attention benchmark', HOVER_COMMANDS.runBenchmark)].filter((l): l is string => l !== undefined);
    return links.join(' · ');
  }

  derivation(what: string, d: Derived<number>): string {
    return `The ${what} is ${describe(d)}.`;
  }
}

/** "num_key_value_heads" or "hidden_size / num_attention_heads (computed)" or "default (Gemma3TextConfig)". */
export function describe(d: Derived<number>): string {
  const from = d.from.length ? d.from.join(', ') : '';
  if (d.defaulted) return esc(`${d.note ?? 'default'}${from ? ` (${from})` : ''}`);
  if (d.note) return esc(`${from}: ${d.note}`);
  return esc(from || 'given');
}

export function numberAt(a: Analysis, path: (string | number)[]): number | undefined {
  const v = valueAt(a.parsed, path);
  return typeof v === 'number' ? v : undefined;
}

export function fmtRatio(a: number, b: number): string {
  const r = a / b;
  return Number.isInteger(r) ? String(r) : r.toFixed(2);
}
