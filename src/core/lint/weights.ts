/**
 * Config against weights: the shapes a checkpoint's headers give for each layer's attention projections,
 * checked against the heads, head size, hidden size, layer count and layer types the config says. A config that
 * disagrees with its weights fails to load (a shape mismatch in `load_state_dict`) or, worse, loads into an engine
 * that sizes its KV cache from the config. Each finding sits on the config field and names the tensor and its
 * shape; the fix sets the field to what the weights say, where they settle it.
 *
 * Layouts, from the transformers modelling files that build the modules (an `nn.Linear` weight is [out, in]):
 * - separate `q_proj` / `k_proj` / `v_proj` / `o_proj` (models/llama/modeling_llama.py `LlamaAttention`): q rows
 *   = query heads x head size, k and v rows = KV heads x head size, o columns = query heads x head size;
 * - fused rows [q | k | v] = (query heads + 2 x KV heads) x head size: Phi-3 `qkv_proj` (models/phi3/modeling_phi3.py),
 *   GPT-NeoX `query_key_value` (interleaved per head, MHA: 3 x hidden; models/gpt_neox/modeling_gpt_neox.py), Falcon
 *   `query_key_value` (models/falcon/modeling_falcon.py: `(num_kv_heads * 2 + num_heads) * head_dim` under the new
 *   architecture, `hidden + 2 * head_dim` for multi-query), Bloom `query_key_value`, GPTBigCode `c_attn`
 *   (models/gpt_bigcode/modeling_gpt_bigcode.py: `embed_dim + 2 * kv_dim`, kv_dim = head_dim under multi_query),
 *   MPT `Wqkv`, Baichuan `W_pack`, ChatGLM `query_key_value`;
 * - GPT-2 `c_attn` / `c_proj` are `Conv1D`, whose weight is [in, out] (pytorch_utils.py `Conv1D`);
 * - MLA (models/deepseek_v3/modeling_deepseek_v3.py): `kv_a_proj_with_mqa` rows = kv_lora_rank + qk_rope_head_dim,
 *   `kv_b_proj` [heads x (qk_nope_head_dim + v_head_dim), kv_lora_rank], `q_proj` / `q_b_proj` rows = heads x
 *   (qk_nope_head_dim + qk_rope_head_dim), `o_proj` columns = heads x v_head_dim;
 * - `q_norm` / `k_norm` (Qwen3, Gemma 3, OLMo-2 per-head norms) hold one value per head dimension: the head size.
 * Layers are found by pattern (`<prefix>.layers.N.`, `.h.N.`, `.blocks.N.`), whatever the prefix (`model.`,
 * `model.language_model.`, `transformer.`, `gpt_neox.`); vision and audio towers are set aside. Quantised
 * projections whose stored shape is not the logical one (GPTQ/AWQ `qweight`, packed U8) are skipped with a note.
 * Pure: no `vscode`, no `node:` imports.
 */
import type { Analysis } from '../analyze';
import { nodeAt } from '../parse';
import type { ParsedConfig } from '../parse';
import type { KvLensSettings } from '../settings';
import type { Finding, FindingFix, JsonPath, LayerSpec, ModelDescription } from '../types';
import { RawObject, isPositiveInt, languagePart } from './fields';
import { Reporter, kvField, pick, stringValue } from './context';
import type { NumField } from './context';
import type { LintCode } from './rules';

/** A tensor's dtype and shape, as a safetensors header gives them. */
export interface TensorShape {
  dtype: string;
  shape: readonly number[];
}

/** Tensor name -> dtype and shape. */
export type TensorTable = ReadonlyMap<string, TensorShape>;

/** What the check was run against. */
export interface WeightsSource {
  tensors: TensorTable;
  /** For messages and notes: `model.safetensors`, `model.safetensors.index.json (4 shards)`. */
  source: string;
}

/** The findings and what was (not) checked, in words. */
export interface WeightsCheck {
  findings: Finding[];
  notes: string[];
  /** Layers whose attention tensors were compared with the config. */
  layersChecked: number;
}

const LAYER_RE = /^((?:[^.]+\.)*?(?:layers|h|blocks|layer)\.)(\d+)\.(.+)$/;
const TOWER_RE = /vision|visual|image|audio|speech|(^|\.)vit\.|encoder|mm_projector|perceiver|multi_modal|patch/i;
const PROJ_RE = /^(?:(.+)\.)?(q_proj|k_proj|v_proj|o_proj|qkv_proj|query_key_value|c_attn|W_pack|Wqkv|kv_a_proj_with_mqa|kv_b_proj|q_a_proj|q_b_proj|dense|c_proj|out_proj|q_norm|k_norm)\.(weight|qweight|weight_packed)$/;
const ATTN_MODULE_RE = /(^|\.)(self_attn|attn|attention|self_attention)$/;
/** Dtypes whose stored shape is the logical shape (U8 may pack two 4-bit values per byte; see weightsFromCheckpoint.ts). */
const PLAIN_DTYPES = new Set(['F16', 'BF16', 'F32', 'F64', 'F8_E4M3', 'F8_E5M2', 'I8']);

type Proj = 'q' | 'k' | 'v' | 'o' | 'qkv' | 'kvA' | 'kvB' | 'qA' | 'qB' | 'qNorm' | 'kNorm';

interface Seen {
  name: string;
  shape: readonly number[];
}

interface LayerTensors {
  index: number;
  /** Names of every tensor in the layer (any module). */
  count: number;
  proj: Partial<Record<Proj, Seen>>;
  /** A projection stored packed (qweight, weight_packed, U8): its shape is not the logical one. */
  packed: boolean;
}

function projOf(name: string, module: string | undefined, modelType: string | undefined): Proj | undefined {
  switch (name) {
    case 'q_proj': return 'q';
    case 'k_proj': return 'k';
    case 'v_proj': return 'v';
    case 'o_proj': case 'dense': case 'out_proj': return 'o';
    case 'c_proj': return modelType === 'qwen' || module?.endsWith('attn') ? 'o' : undefined;
    case 'qkv_proj': case 'query_key_value': case 'c_attn': case 'W_pack': case 'Wqkv': return 'qkv';
    case 'kv_a_proj_with_mqa': return 'kvA';
    case 'kv_b_proj': return 'kvB';
    case 'q_a_proj': return 'qA';
    case 'q_b_proj': return 'qB';
    case 'q_norm': return 'qNorm';
    case 'k_norm': return 'kNorm';
    default: return undefined;
  }
}

/** The tensors of the language model's layers, by index; `prefix` is the layer path before the index. */
export function findLayers(tensors: TensorTable, modelType?: string): { prefix: string; layers: Map<number, LayerTensors> } | undefined {
  const byPrefix = new Map<string, Map<number, LayerTensors>>();
  for (const [name, t] of tensors) {
    const m = LAYER_RE.exec(name);
    if (!m) continue;
    const prefix = m[1]!;
    const index = Number(m[2]);
    if (!Number.isSafeInteger(index) || index > 100_000) continue;
    let layers = byPrefix.get(prefix);
    if (!layers) byPrefix.set(prefix, (layers = new Map()));
    let layer = layers.get(index);
    if (!layer) layers.set(index, (layer = { index, count: 0, proj: {}, packed: false }));
    layer.count++;
    const p = PROJ_RE.exec(m[3]!);
    if (!p) continue;
    const module = p[1];
    // Only self-attention: cross-attention, linear attention (Qwen3-Next), MLPs (`mlp.c_proj`, `mlp.dense_4h_to_h`) are not it.
    if (module === undefined || !ATTN_MODULE_RE.test(module) || /cross|encoder_attn|linear_attn/.test(module)) continue;
    const proj = projOf(p[2]!, module, modelType);
    if (!proj) continue;
    if (p[3] !== 'weight' || !PLAIN_DTYPES.has(t.dtype)) {
      if (proj !== 'qNorm' && proj !== 'kNorm') layer.packed = true;
      continue;
    }
    if (!layer.proj[proj]) layer.proj[proj] = { name, shape: t.shape };
  }
  let best: { prefix: string; layers: Map<number, LayerTensors> } | undefined;
  const score = (p: string, l: Map<number, LayerTensors>) => (TOWER_RE.test(p) ? 0 : 1e9) + l.size * 1000 + [...l.values()].filter((x) => Object.keys(x.proj).length > 0).length;
  for (const [prefix, layers] of byPrefix) {
    if (!best || score(prefix, layers) > score(best.prefix, best.layers)) best = { prefix, layers };
  }
  return best;
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Aggregates one kind of disagreement over layers: the first layer's words, how many layers, the fix if all agree. */
interface Pending {
  code: LintCode;
  path: JsonPath;
  message: string;
  fixValue?: number;
  fixTitle?: string;
  layers: number;
  fixAgrees: boolean;
}

class Collector {
  private readonly pending = new Map<string, Pending>();
  add(code: LintCode, path: JsonPath, message: string, fix?: { value: number; title: string }): void {
    const key = `${code} ${JSON.stringify(path)}`;
    const p = this.pending.get(key);
    if (p) {
      p.layers++;
      if (p.fixValue !== fix?.value) p.fixAgrees = false;
      return;
    }
    this.pending.set(key, { code, path, message, layers: 1, fixAgrees: true, ...(fix ? { fixValue: fix.value, fixTitle: fix.title } : {}) });
  }
  flush(r: Reporter, source: string, parsed: ParsedConfig): void {
    for (const p of this.pending.values()) {
      const more = p.layers > 1 ? ` (and ${p.layers - 1} more layer${p.layers === 2 ? '' : 's'})` : '';
      // Only a field the config writes is fixed: where it leaves the size to a default, which field the model
      // type reads instead (GPTBigCode's multi_query, Falcon's new_decoder_architecture) is not the weights' to say.
      const written = nodeAt(parsed, p.path) !== undefined;
      const fixes: FindingFix[] = written && p.fixValue !== undefined && p.fixAgrees ? [{ title: p.fixTitle!, path: p.path, value: p.fixValue }] : [];
      r.report(p.code, p.path, `${p.message}${more}; checked against ${source}.`, fixes);
    }
  }
}

/** The field a quantity is read from, or where it would be written (`[...part, key]`) when the config leaves it to a default. */
function fieldOr(part: RawObject, f: NumField | undefined, key: string): { path: JsonPath; name: string } {
  return f ? { path: f.path, name: f.name } : { path: [...part.base, key], name: key };
}

/**
 * Checks a config against its checkpoint's tensor table. Never a finding when the tensors are not recognised:
 * a note says so instead.
 */
export function lintWeights(analysis: Analysis, weights: WeightsSource, settings: KvLensSettings): WeightsCheck {
  const notes: string[] = [];
  const { parsed, model } = analysis;
  if (!analysis.isModelConfig || !model || parsed.root?.type !== 'object') return { findings: [], notes, layersChecked: 0 };
  const r = new Reporter(parsed, settings);
  const part = new RawObject(parsed, languagePart(parsed, model));
  const modelType = stringValue(part.get(['model_type'])) ?? model.partModelType ?? model.modelType;
  const source = weights.source;
  if (model.encoderDecoder || model.encoderOnly) {
    notes.push(`Weights read from ${source}; attention shapes of encoder models are not checked against the config.`);
    return { findings: [], notes, layersChecked: 0 };
  }
  const found = findLayers(weights.tensors, modelType);
  const c = new Collector();
  let checked = 0;
  if (!found || found.layers.size === 0) {
    notes.push(`No layer tensors recognised in ${source} (looked for <prefix>.layers.N. / .h.N. / .blocks.N.): the config was not checked against the weights.`);
  } else {
    checked = checkAttention(c, part, model, modelType, found.layers, notes, source);
    checkLayerCount(c, part, model, found.prefix, found.layers);
    checkLayerTypes(c, part, model, found.prefix, found.layers);
  }
  checkTiedEmbeddings(r, part, model, weights.tensors, source);
  c.flush(r, source, parsed);
  return { findings: r.findings.sort((a, b) => a.range.offset - b.range.offset || a.code.localeCompare(b.code)), notes, layersChecked: checked };
}

function checkAttention(c: Collector, part: RawObject, model: ModelDescription, modelType: string | undefined, layers: Map<number, LayerTensors>, notes: string[], source: string): number {
  const a = model.attention;
  const qField = pick(part, 'queryHeads', a.queryHeads.from);
  const kvF = kvField(part, modelType, model);
  const headDimF = part.positive('headDim');
  const hiddenF = pick(part, 'hiddenSize', model.hiddenSize?.from);
  const q = fieldOr(part, qField, 'num_attention_heads');
  const kv = fieldOr(part, kvF, 'num_key_value_heads');
  const hidden = model.hiddenSize?.value;
  let checked = 0;
  let withAttention = 0;
  let packed = 0;
  let ownSizes = 0;
  const conv1d = modelType === 'gpt2';
  for (const layer of [...layers.values()].sort((x, y) => x.index - y.index)) {
    const spec = model.layers[layer.index];
    const p = layer.proj;
    const any = p.q || p.k || p.v || p.qkv || p.kvA || p.kvB || p.qB;
    if (layer.packed) packed++;
    if (!any || !spec) continue;
    withAttention++;
    if (model.mla) {
      if (checkMlaLayer(c, part, model, q, layer)) checked++;
      continue;
    }
    // A layer with its own sizes (swa_* fields, block_configs) is not checked against the global fields.
    if (spec.queryHeads !== a.queryHeads.value || spec.kvHeads !== a.kvHeads.value || spec.headDimK !== a.headDimK.value || spec.headDimV !== a.headDimV.value) {
      ownSizes++;
      continue;
    }
    checked++;
    checkLayer(c, { q, kv, headDimF, hiddenF, hidden, conv1d }, spec, layer);
  }
  if (packed > 0) notes.push(`${packed} layer${packed === 1 ? ' stores' : 's store'} quantised attention projections (packed qweight / weight_packed / U8) in ${source}: their shapes are not the logical ones and were not checked.`);
  if (ownSizes > 0) notes.push(`${ownSizes} layer${ownSizes === 1 ? ' has' : 's have'} per-layer attention sizes: not checked against ${source}.`);
  if (withAttention === 0 && packed === 0) notes.push(`No attention projections recognised in ${source} (q_proj / k_proj / v_proj, qkv_proj, query_key_value, c_attn, kv_a_proj_with_mqa): the heads were not checked against the weights.`);
  return checked;
}

interface Fields {
  q: { path: JsonPath; name: string };
  kv: { path: JsonPath; name: string };
  headDimF: NumField | undefined;
  hiddenF: NumField | undefined;
  hidden: number | undefined;
  conv1d: boolean;
}

/** [out, in] of a projection, whatever its module stores. */
function outIn(t: Seen, conv1d: boolean, proj: Proj): [number, number] | undefined {
  if (t.shape.length !== 2) return undefined;
  const [a, b] = t.shape as [number, number];
  return conv1d && (proj === 'qkv' || proj === 'o') ? [b, a] : [a, b];
}

function checkLayer(c: Collector, f: Fields, spec: LayerSpec, layer: LayerTensors): void {
  const { q, kv, headDimF } = f;
  const nq = spec.queryHeads;
  const nkv = spec.kvHeads;
  const hd = spec.headDimK;
  const hdv = spec.headDimV;
  const p = layer.proj;
  const head = headDimF ? `${headDimF.name} ${hd}` : `head size ${hd} (hidden_size / ${q.name})`;
  // Hidden size: the input width of every projection.
  if (f.hidden !== undefined) {
    for (const k of ['q', 'k', 'v', 'qkv'] as const) {
      const t = p[k];
      const oi = t && outIn(t, f.conv1d, k);
      if (oi && oi[1] !== f.hidden) {
        const path = f.hiddenF?.path ?? [...q.path.slice(0, -1), 'hidden_size'];
        const name = f.hiddenF?.name ?? 'hidden_size';
        c.add('kv-lens.weights-hidden-size', path, `${t.name} is ${shapeText(t.shape)}: it takes ${oi[1]} inputs, not ${name} ${f.hidden}`, { value: oi[1], title: `Set ${name} to ${oi[1]} (the projections' input width)` });
        return;
      }
    }
  }
  // The head size the weights give directly, where per-head norms exist.
  const norm = p.kNorm ?? p.qNorm;
  if (norm && norm.shape.length === 1 && norm.shape[0] !== hd) {
    const size = norm.shape[0]!;
    if (headDimF) c.add('kv-lens.weights-head-dim', headDimF.path, `${norm.name} is ${shapeText(norm.shape)}: heads of ${size}, not ${headDimF.name} ${hd}`, { value: size, title: `Set ${headDimF.name} to ${size}` });
    else c.add('kv-lens.weights-head-dim', q.path, `${norm.name} is ${shapeText(norm.shape)}: heads of ${size}, not ${hd} (hidden_size / ${q.name}); the config needs head_dim`);
    return;
  }
  if (p.q) {
    const oi = outIn(p.q, f.conv1d, 'q');
    if (oi && oi[0] !== nq * hd) {
      const rows = oi[0];
      if (headDimF && rows % hd === 0) {
        c.add('kv-lens.weights-query-heads', q.path, `${p.q.name} is ${shapeText(p.q.shape)}: ${rows / hd} query heads x ${hd}, not ${nq}`, { value: rows / hd, title: `Set ${q.name} to ${rows / hd} (from ${p.q.name})` });
      } else if (headDimF) {
        c.add('kv-lens.weights-query-heads', q.path, `${p.q.name} is ${shapeText(p.q.shape)}: ${rows} outputs, not ${q.name} x ${headDimF.name} = ${nq} x ${hd} = ${nq * hd}`);
      } else {
        c.add('kv-lens.weights-head-dim', q.path, `${p.q.name} is ${shapeText(p.q.shape)}: ${rows} outputs, not ${q.name} x ${head} = ${nq * hd}${rows % nq === 0 ? ` (the weights fit head_dim ${rows / nq}, which the config does not give)` : ''}`);
      }
      return;
    }
  }
  if (p.k) {
    const oi = outIn(p.k, f.conv1d, 'k');
    if (oi && oi[0] !== nkv * hd) {
      const rows = oi[0];
      if (rows % hd === 0 && rows / hd <= nq) {
        c.add('kv-lens.weights-kv-heads', kv.path, `${p.k.name} is ${shapeText(p.k.shape)}: ${rows / hd} KV heads x ${hd}, not ${nkv}`, { value: rows / hd, title: `Set ${kv.name} to ${rows / hd} (from ${p.k.name})` });
      } else {
        c.add('kv-lens.weights-kv-heads', kv.path, `${p.k.name} is ${shapeText(p.k.shape)}: ${rows} outputs, not ${kv.name} x ${head} = ${nkv} x ${hd} = ${nkv * hd}`);
      }
      return;
    }
  }
  if (p.v) {
    const oi = outIn(p.v, f.conv1d, 'v');
    if (oi && oi[0] !== nkv * hdv) {
      const rows = oi[0];
      const fix = rows % hdv === 0 && !p.k && rows / hdv <= nq ? { value: rows / hdv, title: `Set ${kv.name} to ${rows / hdv} (from ${p.v.name})` } : undefined;
      c.add('kv-lens.weights-kv-heads', kv.path, `${p.v.name} is ${shapeText(p.v.shape)}: ${rows} outputs, not ${kv.name} x value head size = ${nkv} x ${hdv} = ${nkv * hdv}`, fix);
      return;
    }
  }
  if (p.qkv) {
    const oi = outIn(p.qkv, f.conv1d, 'qkv');
    const want = (nq + 2 * nkv) * hd;
    if (oi && hd === hdv && oi[0] !== want) {
      const rows = oi[0];
      const rest = rows - nq * hd;
      if (rest > 0 && rest % (2 * hd) === 0 && rest / (2 * hd) <= nq) {
        const n = rest / (2 * hd);
        c.add('kv-lens.weights-kv-heads', kv.path, `${p.qkv.name} is ${shapeText(p.qkv.shape)}: ${nq} query heads + 2 x ${n} KV heads, x ${hd}, not ${nkv} KV heads`, { value: n, title: `Set ${kv.name} to ${n} (from ${p.qkv.name})` });
      } else {
        c.add('kv-lens.weights-kv-heads', kv.path, `${p.qkv.name} is ${shapeText(p.qkv.shape)}: ${rows} fused q|k|v outputs, not (${q.name} + 2 x ${kv.name}) x ${head} = (${nq} + 2 x ${nkv}) x ${hd} = ${want}`);
      }
      return;
    }
  }
  if (p.o) {
    const oi = outIn(p.o, f.conv1d, 'o');
    if (oi && oi[1] !== nq * hdv) {
      c.add('kv-lens.weights-query-heads', q.path, `${p.o.name} is ${shapeText(p.o.shape)}: it takes ${oi[1]} inputs, not ${q.name} x value head size = ${nq} x ${hdv} = ${nq * hdv}`);
    }
  }
}

/** MLA: the latent and the per-head sizes. Returns whether anything was compared. */
function checkMlaLayer(c: Collector, part: RawObject, model: ModelDescription, q: { path: JsonPath; name: string }, layer: LayerTensors): boolean {
  const mla = model.mla!;
  const field = (key: string) => {
    const f = part.get([key]);
    return { path: f?.path ?? [...part.base, key], name: f?.name ?? key, written: f !== undefined && isPositiveInt(f.value) };
  };
  const rank = mla.kvLoraRank.value;
  const rope = mla.qkRopeHeadDim.value;
  const nope = mla.qkNopeHeadDim.value;
  const v = mla.vHeadDim.value;
  const nq = model.attention.queryHeads.value;
  const p = layer.proj;
  let compared = false;
  if (p.kvB && p.kvB.shape.length === 2) {
    compared = true;
    const [rows, cols] = p.kvB.shape as [number, number];
    const rankF = field('kv_lora_rank');
    if (cols !== rank) {
      c.add('kv-lens.weights-mla', rankF.path, `${p.kvB.name} is ${shapeText(p.kvB.shape)}: a latent of ${cols}, not kv_lora_rank ${rank}`, { value: cols, title: `Set kv_lora_rank to ${cols} (from ${p.kvB.name})` });
      return true;
    }
    if (rows !== nq * (nope + v)) {
      c.add('kv-lens.weights-mla', field('qk_nope_head_dim').path, `${p.kvB.name} is ${shapeText(p.kvB.shape)}: ${rows} outputs, not ${q.name} x (qk_nope_head_dim + v_head_dim) = ${nq} x (${nope} + ${v}) = ${nq * (nope + v)}`);
      return true;
    }
  }
  if (p.kvA && p.kvA.shape.length === 2) {
    compared = true;
    const rows = p.kvA.shape[0]!;
    if (rows !== rank + rope) {
      const ropeF = field('qk_rope_head_dim');
      const fix = rows > rank ? { value: rows - rank, title: `Set qk_rope_head_dim to ${rows - rank} (from ${p.kvA.name})` } : undefined;
      c.add('kv-lens.weights-mla', ropeF.path, `${p.kvA.name} is ${shapeText(p.kvA.shape)}: kv_lora_rank + qk_rope_head_dim = ${rows}, not ${rank} + ${rope} = ${rank + rope}`, fix);
      return true;
    }
  }
  const qt = p.qB ?? p.q;
  if (qt && qt.shape.length === 2) {
    compared = true;
    const rows = qt.shape[0]!;
    if (rows !== nq * (nope + rope)) {
      const per = nope + rope;
      const fix = rows % per === 0 ? { value: rows / per, title: `Set ${q.name} to ${rows / per} (from ${qt.name})` } : undefined;
      c.add('kv-lens.weights-query-heads', q.path, `${qt.name} is ${shapeText(qt.shape)}: ${rows % per === 0 ? `${rows / per} query heads` : `${rows} outputs`} x (qk_nope_head_dim + qk_rope_head_dim = ${per}), not ${nq}`, fix);
    }
  }
  return compared;
}

function checkLayerCount(c: Collector, part: RawObject, model: ModelDescription, prefix: string, layers: Map<number, LayerTensors>): void {
  const highest = Math.max(...layers.keys());
  const inWeights = highest + 1;
  const n = model.numLayers.value;
  const mtp = model.mtpLayers.value;
  // MTP layers (DeepSeek-V3's layer 61) follow the decoder layers; checkpoints may keep or drop them.
  if (inWeights === n || (mtp > 0 && inWeights > n && inWeights <= n + mtp)) return;
  const f = pick(part, 'numLayers', model.numLayers.from);
  const path = f?.path ?? [...part.base, 'num_hidden_layers'];
  const name = f?.name ?? 'num_hidden_layers';
  const value = mtp > 0 && inWeights > n + mtp ? inWeights - mtp : inWeights;
  c.add(
    'kv-lens.weights-layer-count',
    path,
    `the weights hold layers ${prefix}0 to ${prefix}${highest} (${inWeights} layer${inWeights === 1 ? '' : 's'}${mtp > 0 ? `, ${mtp} of them possibly MTP` : ''}), not ${name} ${n}`,
    { value, title: `Set ${name} to ${value} (from the weights)` },
  );
}

function checkLayerTypes(c: Collector, part: RawObject, model: ModelDescription, prefix: string, layers: Map<number, LayerTensors>): void {
  const types = part.get(['layer_types']);
  if (!Array.isArray(types?.value)) return;
  const hasAttention = (l: LayerTensors | undefined) => Boolean(l && (l.packed || Object.keys(l.proj).some((k) => k !== 'qNorm' && k !== 'kNorm')));
  // Only meaningful when some layers have recognisable attention and some do not.
  const flags = model.layers.map((l) => hasAttention(layers.get(l.index)));
  if (!flags.some(Boolean)) return;
  for (const spec of model.layers) {
    const attention = spec.kind === 'full' || spec.kind === 'sliding' || spec.kind === 'chunked' || spec.kind === 'compressed';
    if (spec.sharesCacheWith !== undefined) continue;
    const weights = flags[spec.index]!;
    if (attention === weights) continue;
    const entry = (types!.value as unknown[])[spec.index];
    if (entry === undefined) continue;
    c.add(
      'kv-lens.weights-layer-types',
      types!.path,
      attention
        ? `layer_types[${spec.index}] is ${JSON.stringify(entry)} (an attention layer), but ${prefix}${spec.index} has no attention projections`
        : `layer_types[${spec.index}] is ${JSON.stringify(entry)} (no KV cache), but ${prefix}${spec.index} has attention projections`,
    );
  }
}

const LM_HEAD_RE = /(^|\.)(lm_head|embed_out)\.(weight|qweight|weight_packed)$/;
const EMBED_RE = /(^|\.)(embed_tokens|wte|word_embeddings|embed_in|tok_embeddings)\.weight$/;

function checkTiedEmbeddings(r: Reporter, part: RawObject, model: ModelDescription, tensors: TensorTable, source: string): void {
  let head: string | undefined;
  let embed: string | undefined;
  for (const name of tensors.keys()) {
    if (TOWER_RE.test(name)) continue;
    if (!head && LM_HEAD_RE.test(name)) head = name;
    if (!embed && EMBED_RE.test(name)) embed = name;
  }
  if (!embed) return;
  const topTie = new RawObject(part.parsed, []).get(['tie_word_embeddings']);
  const f = part.get(['tie_word_embeddings']) ?? topTie;
  const path = f?.path ?? [...part.base, 'tie_word_embeddings'];
  const shown = f ? `tie_word_embeddings is ${f.written}` : `tie_word_embeddings is not written (${model.tieWordEmbeddings} by default for this model type)`;
  if (model.tieWordEmbeddings && head) {
    r.report(
      'kv-lens.weights-tied-embeddings',
      path,
      `${shown}, but ${source} stores its own ${head}: tied, it is replaced by ${embed} when loaded and the trained output layer is lost.`,
      [{ title: 'Set tie_word_embeddings to false (the checkpoint has its own output layer)', path, value: false }],
    );
  } else if (!model.tieWordEmbeddings && !head) {
    r.report(
      'kv-lens.weights-tied-embeddings',
      path,
      `${shown}, but ${source} has no lm_head.weight: untied, the output layer is left randomly initialised.`,
      [{ title: `Set tie_word_embeddings to true (the output layer is ${embed})`, path, value: true }],
    );
  }
}
