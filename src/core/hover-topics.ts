/**
 * The text of each hover topic, for one model under the user's settings. Numbers come from the core
 * arithmetic (computeKv, whatIf); every string from the file is escaped (esc) or fenced (codeBlock).
 */
import type { Analysis } from './analyze';
import { formatBytes, formatInt, formatTokens } from './format';
import { computeKv } from './kv';
import { pathToString, valueAt } from './parse';
import { kvOptionsFromSettings } from './settings';
import type { KvLensSettings } from './settings';
import type { Derived, JsonPath, KvOptions, KvReport, ModelDescription } from './types';
import { divisors, groupingMap, withKvHeads } from './whatif';
import type { Topic } from './vocabulary';
import { codeBlock, esc, table, times } from './hover-markdown';
import { HOVER_COMMANDS } from './hover-markdown';
import type { CommandLinks } from './hover-markdown';

/** What the hover is about. */
export interface HoverTarget {
  key: string;
  path: JsonPath;
  /** The object holding the key. */
  container: JsonPath;
  /** Index into a list value (layer_types entry). */
  entry?: number;
}

const KIND_WORDS: Record<string, string> = {
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
function report(model: ModelDescription, opts: KvOptions, variant = ''): KvReport {
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

/** Renders topics for one model. Costs are computed once per hover, lazily. */
export class HoverTopics {
  private readonly opts: KvOptions;
  private modelReport?: KvReport;
  private settingsReport?: KvReport;

  constructor(
    private readonly analysis: Analysis,
    private readonly model: ModelDescription,
    private readonly settings: KvLensSettings,
    private readonly links: CommandLinks,
  ) {
    this.opts = kvOptionsFromSettings(settings);
  }

  /** The cache at the model's maximum context, one sequence, the settings' dtype. */
  private atModel(): KvReport {
    return (this.modelReport ??= report(this.model, this.modelOpts()));
  }

  /** The cache at the settings' context, batch, dtype and tensor parallelism. */
  private atSettings(): KvReport {
    return (this.settingsReport ??= report(this.model, this.opts));
  }

  /** Options for "at the model's context": one sequence, the settings' dtype, one GPU. */
  private modelOpts(): KvOptions {
    return this.opts.kvDtype ? { kvDtype: this.opts.kvDtype } : {};
  }

  render(topic: Topic, t: HoverTarget): string {
    if (this.model.attention.kind === 'none' && ['kvHeads', 'queryHeads', 'headDim', 'mla', 'perLayerHeads'].includes(topic)) return this.noAttention(t);
    switch (topic) {
      case 'kvHeads': return this.kvHeads(t);
      case 'queryHeads': return this.queryHeads(t);
      case 'headDim': return this.headDim(t);
      case 'hidden': return this.hidden(t);
      case 'layers': return this.layers(t);
      case 'context': return this.context(t);
      case 'window': return this.window(t);
      case 'layerTypes': return this.layerTypes(t);
      case 'dtype': return this.dtype(t);
      case 'mla': return this.model.mla ? this.mla(t) : this.headDim(t);
      case 'perLayerHeads': return this.perLayerHeads(t);
      case 'part': return this.part(t);
      case 'summary': return this.summary(t);
    }
  }

  /** A top-level field when the language model is nested: not what the model uses. */
  notRead(t: HoverTarget): string {
    const m = this.model;
    return `**${esc(t.key)}** at the top level is not read for the language model: KV Lens (like transformers) reads **${esc(m.part)}**${m.partModelType ? ` (model type ${esc(m.partModelType)})` : ''}.\n\n${this.kindSentence()}`;
  }

  // ---- topics ----

  /** Attention-looking fields of a model without attention (pure Mamba: num_heads are SSM heads). */
  private noAttention(t: HoverTarget): string {
    const v = valueAt(this.analysis.parsed, t.path);
    return [
      `**${esc(t.key)}**${typeof v === 'number' ? ` = ${formatInt(v)}` : ''}: this model has no attention layers, so nothing here sizes a KV cache${this.model.layers.some((l) => l.kind === 'state') ? '; its layers keep a fixed recurrent state per sequence instead (these heads belong to the state-space layers)' : ''}.`,
      this.costTable(false),
    ].join('\n\n');
  }

  private kvHeads(t: HoverTarget): string {
    const m = this.model;
    const a = m.attention;
    const parts: string[] = [];
    if (m.mla) {
      parts.push(`**${esc(t.key)}** is vestigial here: **MLA** (${KIND_WORDS.MLA}) caches one latent per token and layer, not per-head K and V.`);
      parts.push(this.mlaSentence());
    } else {
      parts.push(`**${a.kind}** (${KIND_WORDS[a.kind] ?? ''}): ${this.groupingSentence()}`);
      const picture = this.picture();
      if (picture) parts.push(picture);
    }
    parts.push(this.costTable(true));
    parts.push(this.formula());
    parts.push(this.linksLine());
    return parts.filter(Boolean).join('\n\n');
  }

  private queryHeads(t: HoverTarget): string {
    const a = this.model.attention;
    const parts = [`**${formatInt(a.queryHeads.value)} query heads** (${esc(t.key)}). Query heads are not cached; the KV heads they share are.`];
    if (this.model.encoderOnly) {
      // the cost table says it: no KV cache
    } else if (this.model.mla) parts.push(this.mlaSentence());
    else if (a.kind !== 'none') {
      parts.push(`Grouping (${a.kind}): ${this.groupingSentence()}`);
      const picture = this.picture();
      if (picture) parts.push(picture);
      const ds = divisors(a.queryHeads.value);
      if (ds.length) parts.push(`Valid KV head counts (divisors of ${a.queryHeads.value}): ${ds.join(', ')}.`);
    }
    parts.push(this.costTable(false));
    parts.push(this.linksLine());
    return parts.filter(Boolean).join('\n\n');
  }

  private headDim(t: HoverTarget): string {
    const a = this.model.attention;
    const parts = [`**Head size ${a.headDimK.value}**${a.headDimV.value !== a.headDimK.value ? ` (K) / ${a.headDimV.value} (V)` : ''}: values in each cached K and V vector, per KV head. ${this.derivation('head size', a.headDimK)}`];
    const hidden = this.model.hiddenSize?.value;
    if (hidden && a.queryHeads.value * a.headDimK.value !== hidden) {
      parts.push(`${a.headDimK.value} x ${a.queryHeads.value} query heads = ${formatInt(a.headDimK.value * a.queryHeads.value)}, not hidden_size ${formatInt(hidden)}: the attention width differs from the model width (legitimate); calculators that use hidden_size / heads = ${fmtRatio(hidden, a.queryHeads.value)} get the cache wrong.`);
    }
    if (!this.model.mla && a.kind !== 'none') {
      const b = this.atModel().bytesPerElement;
      const perLayer = (a.headDimK.value + a.headDimV.value) * a.kvHeads.value * b;
      parts.push(`Per token per full-attention layer: (${a.headDimK.value} + ${a.headDimV.value}) x ${a.kvHeads.value} KV heads x ${b} B = ${formatBytes(perLayer)}.`);
    }
    parts.push(this.costTable(false));
    return parts.filter(Boolean).join('\n\n');
  }

  private hidden(t: HoverTarget): string {
    const m = this.model;
    const a = m.attention;
    const v = numberAt(this.analysis, t.path) ?? m.hiddenSize?.value;
    const head = a.headDimK;
    const usesHidden = head.from.some((f) => /hidden_size|n_embd|d_model/.test(f));
    const lines = [`**Model width ${v !== undefined ? formatInt(v) : '?'}** (${esc(t.key)}): the size of each token's hidden state.`];
    if (m.mla) lines.push('Under MLA the cache does not depend on it: it holds a latent of kv_lora_rank + qk_rope_head_dim values.');
    else if (usesHidden && v) lines.push(`No head_dim is given, so the head size is ${formatInt(v)} / ${a.queryHeads.value} query heads = ${fmtRatio(v, a.queryHeads.value)}, which sizes every cached K and V vector.`);
    else lines.push(`The head size comes from ${esc(head.from.join(', ') || 'a default')} (${head.value}), so the width does not enter the KV cache.`);
    return lines.join('\n\n');
  }

  private layers(t: HoverTarget): string {
    const r = this.atModel();
    const lines = [`**${formatInt(this.model.numLayers.value)} layers** (${esc(t.key)}). By cache kind: ${this.layerSummary()}`];
    const rows = r.breakdown.map((b): [string, string] => [`${b.layers} x ${esc(b.label)}`, b.bytesPerTokenPerLayer > 0 ? `${formatBytes(b.bytesPerTokenPerLayer)} per token per layer` : 'no per-token cache']);
    if (rows.length) lines.push(table(rows));
    if (this.model.mtpLayers.value > 0) lines.push(`Plus ${this.model.mtpLayers.value} next-token-prediction layer(s) (${esc(this.model.mtpLayers.from.join(', '))}) that some engines add; not counted.`);
    lines.push(this.costTable(false));
    return lines.join('\n\n');
  }

  private context(t: HoverTarget): string {
    const v = numberAt(this.analysis, t.path);
    const mc = this.model.maxContext;
    const used = mc && mc.from.includes(pathToString(t.path));
    const lines = [`**${v !== undefined ? `${formatInt(v)} tokens (${formatTokens(v)})` : esc(t.key)}**: ${used ? "the model's maximum context, the default context for every cost" : `not the context KV Lens uses${mc ? ` (${esc(mc.from.join(', ') || 'default')} = ${formatInt(mc.value)})` : ''}`}.`];
    lines.push(this.costTable(false));
    return lines.join('\n\n');
  }

  private window(t: HoverTarget): string {
    const m = this.model;
    const windowed = m.layers.filter((l) => l.kind === 'sliding' || l.kind === 'chunked' || l.kind === 'compressed');
    const lines: string[] = [];
    const use = valueAt(this.analysis.parsed, [...m.partPath, 'use_sliding_window']);
    const raw = valueAt(this.analysis.parsed, t.path);
    if (windowed.length === 0) {
      lines.push(`**${esc(t.key)}** has no effect on this model: no layer uses a window${use === false ? ' (use_sliding_window is false)' : ''}; all ${m.layers.filter((l) => l.kind === 'full').length} attention layers keep the whole context.`);
    } else {
      const w = windowed[0]?.window ?? 0;
      const ctx = this.atModel().context;
      lines.push(`**Window ${formatInt(w)} tokens** on ${windowed.length} of ${m.layers.length} layers${typeof raw === 'number' && raw !== w ? '' : ''}: each holds min(context, ${formatInt(w)}) tokens in steady state (engines add a little: vLLM a block and the new tokens, llama.cpp pads to 256).`);
      const full = report(m, this.modelOpts(), 'unwindowed');
      const r = this.atModel();
      lines.push(`At the model's context ${formatTokens(ctx)}: ${formatBytes(r.totalBytes)} with the window, ${formatBytes(full.totalBytes)} if every layer kept the whole context (${times(full.totalBytes / Math.max(1, r.totalBytes))} more).`);
      if (w >= ctx) lines.push(`The window is at or above the context, so it saves nothing here.`);
    }
    lines.push(this.costTable(false));
    return lines.join('\n\n');
  }

  private layerTypes(t: HoverTarget): string {
    const m = this.model;
    if (t.entry !== undefined) {
      const l = m.layers[t.entry];
      if (!l) return `**Entry ${t.entry}** of ${esc(t.key)}: the model has ${m.layers.length} layers, so this entry describes no layer.`;
      const b = this.atModel().bytesPerElement;
      const row = this.atModel().breakdown.find((x) => x.kind === l.kind && (l.kind !== 'sliding' || x.label.includes(formatInt(l.window ?? 0))));
      const what =
        l.kind === 'state' ? `a fixed state (${esc(l.stateNote ?? 'recurrent state')}), not a per-token cache`
        : l.kind === 'none' ? 'no cache'
        : l.mlaLatent !== undefined ? `an MLA latent of ${l.mlaLatent} values x ${b} B per token`
        : `${l.kvHeads} KV heads x (${l.headDimK} + ${l.headDimV}) x ${b} B = ${formatBytes(l.kvHeads * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) * b)} per token${l.window ? `, over at most ${formatInt(l.window)} tokens` : ', over the whole context'}`;
      return [`**Layer ${l.index}: ${esc(l.label)}** (${l.kind}): caches ${what}.`, row ? `${row.layers} layers like it.` : '', this.layerSummary()].filter(Boolean).join('\n\n');
    }
    return [`**${esc(t.key)}**: ${this.layerSummary()}`, this.costTable(false)].join('\n\n');
  }

  private dtype(t: HoverTarget): string {
    const raw = valueAt(this.analysis.parsed, t.path);
    const r = this.atSettings();
    const name = pathToString(t.path);
    const used = this.model.dtype.from.includes(name);
    const lines = [`**${typeof raw === 'string' ? esc(raw) : esc(String(raw))}**: the weights' dtype${used ? ', and the default KV cache element type' : ` (KV Lens reads the model dtype from ${esc(this.model.dtype.from.join(', ') || 'a default')})`}.`];
    lines.push(`KV cache: **${esc(r.dtype)}**, ${r.bytesPerElement} B per element (${esc(r.dtypeFrom)}${this.settings.kvDtype === 'auto' ? '; change with kvLens.kvDtype' : ', kvLens.kvDtype'}): ${formatBytes(r.bytesPerToken)} per token.`);
    return lines.join('\n\n');
  }

  private mla(t: HoverTarget): string {
    return [`**${esc(t.key)}** = ${esc(String(valueAt(this.analysis.parsed, t.path)))}. ${this.mlaSentence()}`, this.costTable(true), this.formula(), this.linksLine()].filter(Boolean).join('\n\n');
  }

  private perLayerHeads(t: HoverTarget): string {
    const rows = this.atModel().breakdown.map((b): [string, string] => [`${b.layers} x ${esc(b.label)}`, b.bytesPerTokenPerLayer > 0 ? `${formatBytes(b.bytesPerTokenPerLayer)} per token per layer` : 'no per-token cache']);
    return [`**${esc(t.key)}**: layers differ in KV heads or head size; each group is costed on its own, then summed.`, table(rows), this.formula()].join('\n\n');
  }

  private part(t: HoverTarget): string {
    const m = this.model;
    if (pathToString([t.key]) !== m.part) return `**${esc(t.key)}** is not the part KV Lens reads${m.part ? `: it reads **${esc(m.part)}**` : ': it reads the top level'}.`;
    const lines = [`**The language model** is read from here${m.partModelType ? ` (model type ${esc(m.partModelType)})` : ''}. ${this.kindSentence()}`];
    const defaulted = [m.attention.queryHeads, m.attention.kvHeads, m.attention.headDimK, m.numLayers].filter((d) => d.defaulted);
    if (defaulted.length) lines.push(`Defaults used: ${defaulted.map((d) => esc(d.note ?? 'library default')).join('; ')}.`);
    lines.push(this.costTable(false), this.linksLine());
    return lines.filter(Boolean).join('\n\n');
  }

  private summary(t: HoverTarget): string {
    return [`**${esc(t.key)}**: ${this.kindSentence()}`, this.costTable(false), this.linksLine()].filter(Boolean).join('\n\n');
  }

  // ---- shared pieces ----

  /** "32 query heads share 8 KV heads: 8 groups of 4." */
  private groupingSentence(): string {
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

  private mlaSentence(): string {
    const mla = this.model.mla;
    if (!mla) return '';
    return `${this.model.attention.queryHeads.value} query heads; each layer caches one latent of kv_lora_rank + qk_rope_head_dim = ${mla.kvLoraRank.value} + ${mla.qkRopeHeadDim.value} = ${mla.latent} values per token (vLLM, SGLang, llama.cpp), shared by all heads.`;
  }

  private kindSentence(): string {
    const a = this.model.attention;
    if (this.model.encoderOnly) return 'Encoder-only: no KV cache at inference.';
    if (this.model.mla) return `**MLA**: ${this.mlaSentence()}`;
    return `**${a.kind}** (${KIND_WORDS[a.kind] ?? ''}): ${this.groupingSentence()}`;
  }

  /** Which KV head each query head reads, as runs: "kv 0 <- q 0-3". Long lists keep the first three and the last. */
  private picture(): string {
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
  private costTable(withComparison: boolean): string {
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
  private comparison(): [string, string][] | undefined {
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

  private formula(): string {
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
  private layerSummary(): string {
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

  private linksLine(): string {
    const links = [this.links.link('Open KV Lens panel', HOVER_COMMANDS.openPanel), this.links.link('Run attention benchmark', HOVER_COMMANDS.runBenchmark)].filter((l): l is string => l !== undefined);
    return links.join(' · ');
  }

  private derivation(what: string, d: Derived<number>): string {
    return `The ${what} is ${describe(d)}.`;
  }
}

/** "num_key_value_heads" or "hidden_size / num_attention_heads (computed)" or "default (Gemma3TextConfig)". */
function describe(d: Derived<number>): string {
  const from = d.from.length ? d.from.join(', ') : '';
  if (d.defaulted) return esc(`${d.note ?? 'default'}${from ? ` (${from})` : ''}`);
  if (d.note) return esc(`${from}: ${d.note}`);
  return esc(from || 'given');
}

function numberAt(a: Analysis, path: (string | number)[]): number | undefined {
  const v = valueAt(a.parsed, path);
  return typeof v === 'number' ? v : undefined;
}

function fmtRatio(a: number, b: number): string {
  const r = a / b;
  return Number.isInteger(r) ? String(r) : r.toFixed(2);
}
