/**
 * Lint rules for model configs: what is wrong or misleading about a config's attention fields, with the
 * range of the offending value and an edit where the right one is unambiguous. Rules read raw fields of the
 * language-model part (every alias of KV-RULES.md) and use the normalised model only to know which part,
 * which alias and which attention kind apply. Pure: no `vscode`, no `node:` imports.
 */
import { divisors } from './whatif';
import type { Analysis } from './analyze';
import { formatBytes } from './format';
import { rangeOf, skippedValues } from './parse';
import type { ParsedConfig } from './parse';
import type { KvLensSettings } from './settings';
import type { Finding, FindingFix, JsonPath, ModelDescription, SourceRange } from './types';
import {
  ALIASES,
  ALIAS_GROUPS_THAT_MUST_AGREE,
  DTYPE_FIELDS,
  IGNORES_SLIDING_WINDOW,
  NULL_NOT_ALLOWED,
  OTHER_SIZE_FIELDS,
  RawObject,
  isPositiveInt,
  languagePart,
  normaliseDtype,
} from './lint-fields';
import type { Quantity, RawField } from './lint-fields';
import { LINT_RULES, ruleFor } from './lint-rules';
import type { LintCode, LintRule } from './lint-rules';

export { LINT_RULES };
export type { LintCode, LintRule };


type NumField = RawField & { value: number };

/** Collects findings, applying the user's severity overrides. */
class Reporter {
  readonly findings: Finding[] = [];
  constructor(
    private readonly parsed: ParsedConfig,
    private readonly settings: KvLensSettings,
  ) {}

  report(code: LintCode, path: JsonPath, message: string, fixes: FindingFix[] = [], range: SourceRange = rangeOf(this.parsed, path)): void {
    const configured = this.settings.ruleSeverities?.[code];
    if (configured === 'off') return;
    const severity = configured ?? ruleFor(code).defaultSeverity;
    this.findings.push({ code, severity, message, path, range, fixes });
  }
}

/** Runs every rule. Non-model JSON (no model_type, architectures or attention fields) gets nothing. */
export function lint(analysis: Analysis, settings: KvLensSettings): Finding[] {
  const { parsed, model } = analysis;
  if (!analysis.isModelConfig || parsed.root?.type !== 'object') return [];
  const r = new Reporter(parsed, settings);
  const top = new RawObject(parsed, []);
  const partPath = languagePart(parsed, model);
  const part = partPath.length ? new RawObject(parsed, partPath) : top;
  const objects = part === top ? [top] : [top, part];
  const kind = model?.attention.kind;
  const mla = kind === 'MLA' || (kind === undefined && isPositiveInt(part.get(['kv_lora_rank'])?.value));
  const modelType = stringValue(part.get(['model_type'])) ?? model?.partModelType ?? model?.modelType ?? stringValue(top.get(['model_type']));

  for (const o of objects) checkSizes(r, o);
  for (const o of objects) checkAliases(r, o, model);
  for (const o of objects) checkDtypes(r, o);
  if (part !== top) checkTextConfig(r, top, part);
  if (kind !== 'none') {
    const q = pick(part, 'queryHeads', model?.attention.queryHeads.from);
    const kv = mla ? undefined : kvField(part, modelType, model);
    if (mla) checkMla(r, part);
    else {
      checkHeads(r, part, q, kv);
      checkBlockGroups(r, part, q);
    }
    checkTensorParallel(r, settings, q, kv, model, mla);
  }
  checkWindow(r, part, modelType, model, settings);
  checkLayerTypes(r, part, model);
  checkIgnored(r, part, modelType);
  checkOutline(r, parsed);
  return r.findings.sort((a, b) => a.range.offset - b.range.offset || a.code.localeCompare(b.code));
}

/** A document read in outline says so once, on the key of its largest unread value (never on the value: it may span a million lines). */
function checkOutline(r: Reporter, parsed: ParsedConfig): void {
  if (!parsed.outline) return;
  const skipped = skippedValues(parsed);
  // Characters, not bytes; the same for the ASCII configs are written in, close enough for the rest.
  const size = `about ${formatBytes(parsed.text.length)}`;
  const names = skipped.slice(0, 3).map((s) => `${s.key} (${formatBytes(s.length)})`);
  const more = skipped.length > 3 ? ` and ${skipped.length - 3} more` : '';
  const what = names.length ? `; not expanded: ${names.join(', ')}${more}, and syntax errors inside ${skipped.length === 1 ? 'it are' : 'them are'} not reported` : '';
  const first = skipped[0];
  r.report('kv-lens.read-in-outline', first ? [first.key] : [], `This file is ${size}, over the 1 MiB KV Lens reads in full: only the fields attention depends on are read${what}.`, [], first?.keyRange ?? { offset: parsed.root?.offset ?? 0, length: 1 });
}

/** Type and value checks on every size field written in an object. */
function checkSizes(r: Reporter, o: RawObject): void {
  const fields: { field: RawField; nullable: boolean }[] = [];
  for (const q of Object.keys(ALIASES) as Quantity[]) {
    for (const field of o.all(q)) fields.push({ field, nullable: !NULL_NOT_ALLOWED.includes(q) });
  }
  for (const key of OTHER_SIZE_FIELDS) {
    const field = o.get([key]);
    if (field) fields.push({ field, nullable: true });
  }
  for (const { field, nullable } of fields) {
    const v = field.value;
    if (v === null) {
      if (!nullable) r.report('kv-lens.wrong-type', field.path, `${field.name} is null; it must be a positive whole number.`);
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v) || !Number.isInteger(v) || v <= 0 || !Number.isSafeInteger(v)) {
        const what = !Number.isFinite(v) ? 'not a finite number' : !Number.isInteger(v) ? 'not a whole number' : v <= 0 ? 'not positive' : 'too large';
        r.report('kv-lens.invalid-size', field.path, `${field.name} is ${v}, ${what}; it must be a positive whole number.`);
      }
    } else {
      const kindOf = typeof v === 'string' ? 'a string' : typeof v === 'boolean' ? 'a boolean' : Array.isArray(v) ? 'a list' : 'an object';
      const fixes: FindingFix[] = [];
      if (typeof v === 'string' && /^\s*\+?\d+\s*$/.test(v) && Number(v) > 0 && Number.isSafeInteger(Number(v))) {
        fixes.push({ title: `Write ${field.name} as the number ${Number(v)}`, path: field.path, value: Number(v) });
      }
      r.report('kv-lens.wrong-type', field.path, `${field.name} is ${kindOf} (${preview(v)}); it must be a positive whole number.`, fixes);
    }
  }
}

/** Two spellings of the same quantity in one object with different values. */
function checkAliases(r: Reporter, o: RawObject, model: ModelDescription | undefined): void {
  for (const q of ALIAS_GROUPS_THAT_MUST_AGREE) {
    const fields = o.all(q).filter((f): f is NumField => isPositiveInt(f.value));
    if (fields.length < 2) continue;
    const read = pick(o, q, derivedFrom(model, q)) ?? fields[0];
    if (!read) continue;
    for (const f of fields) {
      if (f === read || f.name === read.name || f.value === read.value) continue;
      r.report(
        'kv-lens.conflicting-aliases',
        f.path,
        `${f.name} is ${f.value} but ${read.name} is ${read.value}; ${read.name} is the one read.`,
        [{ title: `Set ${f.name} to ${read.value} (as ${read.name})`, path: f.path, value: read.value }],
      );
    }
  }
}

function checkDtypes(r: Reporter, o: RawObject): void {
  const [torchName, dtypeName] = DTYPE_FIELDS;
  const torch = o.get([torchName]);
  const dtype = o.get([dtypeName]);
  if (typeof torch?.value !== 'string' || typeof dtype?.value !== 'string') return;
  if (normaliseDtype(torch.value) === normaliseDtype(dtype.value)) return;
  r.report(
    'kv-lens.dtype-conflict',
    torch.path,
    `${torch.name} is "${torch.value}" but ${dtype.name} is "${dtype.value}": transformers 4.56 and later read ${dtype.name}, older versions ${torch.name}.`,
    [{ title: `Set ${torch.name} to "${dtype.value}" (as ${dtype.name})`, path: torch.path, value: dtype.value }],
  );
}

function checkTextConfig(r: Reporter, top: RawObject, part: RawObject): void {
  const partName = part.base.join('.');
  for (const q of ['queryHeads', 'kvHeads', 'headDim', 'hiddenSize', 'numLayers', 'maxContext', 'slidingWindow'] as Quantity[]) {
    const outer = top.positive(q);
    const inner = part.positive(q);
    if (!outer || !inner || outer.value === inner.value) continue;
    r.report(
      'kv-lens.text-config-mismatch',
      outer.path,
      `Top-level ${outer.name} is ${outer.value} but ${inner.name} is ${inner.value}; the language model is read from ${partName}, so the top-level value is ignored.`,
      [{ title: `Set ${outer.name} to ${inner.value} (as ${inner.name})`, path: outer.path, value: inner.value }],
    );
  }
  const outerDtype = firstString(top, DTYPE_FIELDS);
  const innerDtype = firstString(part, DTYPE_FIELDS);
  if (outerDtype && innerDtype && normaliseDtype(outerDtype.value as string) !== normaliseDtype(innerDtype.value as string)) {
    r.report(
      'kv-lens.text-config-mismatch',
      outerDtype.path,
      `Top-level ${outerDtype.name} is "${String(outerDtype.value)}" but ${innerDtype.name} is "${String(innerDtype.value)}"; the language model's weights and default KV element size follow ${innerDtype.name}.`,
    );
  }
}

function checkMla(r: Reporter, part: RawObject): void {
  const kv = part.get(['num_key_value_heads']);
  if (kv && isPositiveInt(kv.value)) {
    const rank = part.get(['kv_lora_rank'])?.value;
    const rope = part.get(['qk_rope_head_dim'])?.value;
    const latent = isPositiveInt(rank) && isPositiveInt(rope) ? ` (${rank} + ${rope} = ${rank + rope} values per token per layer)` : '';
    r.report(
      'kv-lens.mla-kv-heads-vestigial',
      kv.path,
      `${kv.name} (${kv.value}) is not used: multi-head latent attention caches one latent of kv_lora_rank + qk_rope_head_dim${latent}, not per-head K and V.`,
    );
  }
}

function checkHeads(r: Reporter, part: RawObject, q: NumField | undefined, kv: NumField | undefined): void {
  if (q && kv) {
    if (kv.value > q.value) {
      r.report(
        'kv-lens.kv-heads-above-query-heads',
        kv.path,
        `${kv.name} is ${kv.value}, more than ${q.name} (${q.value}); each query head uses exactly one KV head, so at most ${q.value} can be used.`,
        [{ title: `Set ${kv.name} to ${q.value} (multi-head attention)`, path: kv.path, value: q.value }],
      );
    } else if (q.value % kv.value !== 0) {
      const near = nearestDivisors(q.value, kv.value);
      r.report(
        'kv-lens.kv-heads-not-divisor',
        kv.path,
        `${kv.name} is ${kv.value}, which does not divide ${q.name} (${q.value}): ${q.value} / ${kv.value} = ${(q.value / kv.value).toFixed(2)} query heads per KV head.${validList(q.value)}`,
        near.map((d) => ({ title: `Set ${kv.name} to ${d} (${q.value / d} query heads per KV head)`, path: kv.path, value: d })),
      );
    }
  }
  const hidden = part.positive('hiddenSize');
  const headDims = part.all('headDim').filter((f) => f.value !== null);
  if (q && hidden && headDims.length === 0 && hidden.value % q.value !== 0) {
    r.report(
      'kv-lens.hidden-size-not-divisible',
      hidden.path,
      `${hidden.name} (${hidden.value}) is not divisible by ${q.name} (${q.value}) and no head_dim is given: ${hidden.value} / ${q.value} = ${(hidden.value / q.value).toFixed(2)} is not a head size.`,
    );
  }
  const headDim = part.positive('headDim');
  if (q && hidden && headDim && headDim.value * q.value !== hidden.value) {
    r.report(
      'kv-lens.head-dim-mismatch',
      headDim.path,
      `${headDim.name} x ${q.name} = ${headDim.value} x ${q.value} = ${headDim.value * q.value}, not ${hidden.name} (${hidden.value}); legitimate for this kind of model, and the KV cache uses ${headDim.name}.`,
    );
  }
}

/** Nemotron-NAS `block_configs[i].attention.n_heads_in_group`: query heads per KV head, per layer; must divide them. */
function checkBlockGroups(r: Reporter, part: RawObject, q: NumField | undefined): void {
  const blocks = part.get(['block_configs']);
  if (!q || !Array.isArray(blocks?.value)) return;
  blocks.value.forEach((_, i) => {
    const g = part.get(['block_configs', i, 'attention', 'n_heads_in_group']);
    if (!g || g.value === null || part.get(['block_configs', i, 'attention', 'no_op'])?.value === true) return;
    if (!isPositiveInt(g.value) || q.value % g.value === 0) return; // type problems: left to the normaliser's notes
    const near = nearestDivisors(q.value, g.value);
    r.report(
      'kv-lens.kv-heads-not-divisor',
      g.path,
      `${g.name} is ${g.value}, which does not divide ${q.name} (${q.value}): layer ${i} would have ${(q.value / g.value).toFixed(2)} KV heads.`,
      near.map((d) => ({ title: `Set ${g.name} to ${d} (${q.value / d} KV heads)`, path: g.path, value: d })),
    );
  });
}

function checkTensorParallel(
  r: Reporter,
  settings: KvLensSettings,
  q: NumField | undefined,
  kv: NumField | undefined,
  model: ModelDescription | undefined,
  mla: boolean,
): void {
  const tp = settings.tensorParallel;
  if (!Number.isSafeInteger(tp) || tp <= 1 || !q) return;
  if (q.value % tp !== 0) {
    r.report(
      'kv-lens.tp-not-dividing-query-heads',
      q.path,
      `${q.name} (${q.value}) is not divisible by the tensor-parallel degree ${tp} (kvLens.tensorParallel): heads cannot be split evenly across ${tp} GPUs.`,
    );
  }
  if (mla) return;
  // The KV count in effect: the field, or the normaliser's value (multi_query, absent field = MHA).
  const kvValue = kv?.value ?? (model && !model.attention.kvHeads.defaulted ? model.attention.kvHeads.value : q.value);
  const kvName = kv?.name ?? (model?.attention.kvHeads.from[0] ?? q.name);
  const kvPath = kv?.path ?? pathFromDotted(model?.attention.kvHeads.from[0]) ?? q.path;
  if (!isPositiveInt(kvValue)) return;
  if (kvValue >= tp ? kvValue % tp !== 0 : tp % kvValue !== 0) {
    r.report(
      'kv-lens.tp-kv-heads-mismatch',
      kvPath,
      `${kvValue} KV heads (${kvName}) and tensor-parallel degree ${tp} do not split evenly: engines need the KV heads to be a multiple of ${tp}, or ${tp} a multiple of the KV heads.`,
    );
  } else if (kvValue < tp) {
    r.report(
      'kv-lens.tp-replicates-kv-heads',
      kvPath,
      `Tensor-parallel degree ${tp} exceeds the ${kvValue} KV heads (${kvName}): each GPU holds 1 KV head, each KV head is copied on ${tp / kvValue} GPUs, and the cluster holds ${tp / kvValue}x the cache.`,
    );
  }
}

function checkWindow(r: Reporter, part: RawObject, modelType: string | undefined, model: ModelDescription | undefined, settings: KvLensSettings): void {
  const window = part.positive('slidingWindow');
  if (!window) return;
  if (modelType && IGNORES_SLIDING_WINDOW.has(modelType)) {
    r.report('kv-lens.field-ignored', window.path, `${window.name} (${window.value}) is ignored: model type "${modelType}" has no sliding-window attention; every layer keeps the full context.`, [
      { title: `Remove ${window.name}`, path: window.path, remove: true },
    ]);
    return;
  }
  const use = part.get(['use_sliding_window']);
  if (use?.value === false) {
    r.report(
      'kv-lens.sliding-window-disabled',
      window.path,
      `${window.name} (${window.value}) has no effect: ${use.name} is false, so every layer keeps the full context.`,
      [{ title: `Remove ${window.name} (no effect)`, path: window.path, remove: true }],
    );
    return;
  }
  const layerTypes = part.get(['layer_types']);
  if (Array.isArray(layerTypes?.value) && layerTypes.value.length > 0 && !layerTypes.value.some((t) => typeof t === 'string' && /slid|local|chunk|swa/i.test(t))) {
    r.report('kv-lens.field-ignored', window.path, `${window.name} (${window.value}) is ignored: ${layerTypes.name} has no sliding layer.`, [
      { title: `Remove ${window.name}`, path: window.path, remove: true },
    ]);
    return;
  }
  const maxCtx = part.positive('maxContext') ?? (model?.maxContext ? { name: model.maxContext.from[0] ?? 'the default context', value: model.maxContext.value } : undefined);
  if (maxCtx && window.value >= maxCtx.value) {
    r.report(
      'kv-lens.sliding-window-no-effect',
      window.path,
      `${window.name} (${window.value}) is at or above ${maxCtx.name} (${maxCtx.value}): the window never fills, so windowed layers cost as much as full ones.`,
      [{ title: `Set ${window.name} to null (no window)`, path: window.path, value: null }],
    );
    return;
  }
  if (settings.context > 0 && window.value > settings.context) {
    r.report(
      'kv-lens.window-above-context',
      window.path,
      `${window.name} (${window.value}) is larger than the context in the settings (kvLens.context = ${settings.context}): at that context the window never fills and sliding layers save nothing.`,
    );
  }
}

function checkLayerTypes(r: Reporter, part: RawObject, model: ModelDescription | undefined): void {
  const lt = part.get(['layer_types']);
  if (!Array.isArray(lt?.value)) return;
  const layers = part.positive('numLayers') ?? (model && !model.numLayers.defaulted ? { name: model.numLayers.from[0] ?? 'num_hidden_layers', value: model.numLayers.value } : undefined);
  if (!layers || lt.value.length === layers.value) return;
  r.report('kv-lens.layer-types-length', lt.path, `${lt.name} lists ${lt.value.length} layers but ${layers.name} is ${layers.value}.`);
}

function checkIgnored(r: Reporter, part: RawObject, modelType: string | undefined): void {
  const group = part.get(['multi_query_group_num']);
  const mqa = part.get(['multi_query_attention']);
  if (group && group.value !== null && mqa?.value !== true) {
    r.report(
      'kv-lens.field-ignored',
      group.path,
      `${group.name} (${preview(group.value)}) is ignored: ${mqa ? `${mqa.name} is ${preview(mqa.value)}` : 'multi_query_attention is not set'}, so every query head has its own KV head.`,
      [{ title: `Remove ${group.name}`, path: group.path, remove: true }],
    );
  }
  if (modelType === 'falcon') {
    const nda = part.get(['new_decoder_architecture']);
    for (const key of ['num_kv_heads', 'n_head_kv']) {
      const f = part.get([key]);
      if (!f || f.value === null || nda?.value === true) continue;
      const mq = part.get(['multi_query'])?.value;
      r.report(
        'kv-lens.field-ignored',
        f.path,
        `${f.name} (${preview(f.value)}) is ignored: without new_decoder_architecture Falcon uses ${mq === false ? 'one KV head per query head' : 'a single KV head (multi_query)'}.`,
        [{ title: `Remove ${f.name}`, path: f.path, remove: true }],
      );
    }
  }
}

// ---- helpers ----

/** The field of a quantity the normaliser read (matching `from`), else the first valid alias. */
function pick(o: RawObject, q: Quantity, from: string[] | undefined): NumField | undefined {
  if (from) {
    for (const f of o.all(q)) if (from.includes(f.name) && isPositiveInt(f.value)) return f as NumField;
  }
  return o.positive(q);
}

/** The KV-head field in effect: skips ChatGLM's group count without multi_query_attention and Falcon's without the new architecture. */
function kvField(part: RawObject, modelType: string | undefined, model: ModelDescription | undefined): NumField | undefined {
  const from = model?.attention.kvHeads.from ?? [];
  const candidates = part.all('kvHeads').filter((f): f is NumField => isPositiveInt(f.value));
  const inEffect = candidates.filter((f) => {
    const key = f.path[f.path.length - 1];
    if (key === 'multi_query_group_num') return part.get(['multi_query_attention'])?.value === true;
    if (modelType === 'falcon' && (key === 'num_kv_heads' || key === 'n_head_kv')) return part.get(['new_decoder_architecture'])?.value === true;
    return true;
  });
  return inEffect.find((f) => from.includes(f.name)) ?? inEffect[0];
}

function derivedFrom(model: ModelDescription | undefined, q: Quantity): string[] | undefined {
  if (!model) return undefined;
  switch (q) {
    case 'queryHeads': return model.attention.queryHeads.from;
    case 'kvHeads': return model.attention.kvHeads.from;
    case 'headDim': return model.attention.headDimK.from;
    case 'hiddenSize': return model.hiddenSize?.from;
    case 'numLayers': return model.numLayers.from;
    case 'maxContext': return model.maxContext?.from;
    default: return undefined;
  }
}

/** Above this, head counts are nonsense and divisor lists are not worth computing (nor bounded in time). */


/** The divisors of n nearest to k (two when equally near), ascending. */
export function nearestDivisors(n: number, k: number): number[] {
  const ds = divisors(n);
  if (ds.length === 0) return [];
  const best = Math.min(...ds.map((d) => Math.abs(d - k)));
  return ds.filter((d) => Math.abs(d - k) === best);
}

function validList(q: number): string {
  const ds = divisors(q);
  return ds.length ? ` Valid: ${ds.join(', ')}.` : '';
}

function firstString(o: RawObject, keys: readonly string[]): RawField | undefined {
  for (const k of keys) {
    const f = o.get([k]);
    if (typeof f?.value === 'string') return f;
  }
  return undefined;
}

function stringValue(f: RawField | undefined): string | undefined {
  return typeof f?.value === 'string' ? f.value : undefined;
}

/** `text_config.attn_config.kv_n_heads` -> path; array indices as `[3]`. */
export function pathFromDotted(dotted: string | undefined): JsonPath | undefined {
  if (!dotted) return undefined;
  const path: JsonPath = [];
  for (const m of dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return path;
}

/** A short JSON rendering of a value for messages. */
function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
