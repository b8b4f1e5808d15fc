/**
 * A model built from the hparams llama.cpp prints at load (`print_info: n_head_kv = 8`, or ik_llama.cpp's
 * `llm_load_print_meta:`), for a log whose config is not at hand. The layer roles llama.cpp does not print per
 * layer (which layers are SWA, which are recurrent) are taken from the layer counts on the log's own cache lines:
 * that is said in the notes, and the figures those counts come from are then not independent checks.
 */
import { llamaRecurrentWidths } from '../engines/llamacpp';
import type { Derived, LayerSpec, ModelDescription } from '../types';
import type { StartUp } from './types';

const from = <T>(value: T, field: string): Derived<T> => ({ value, from: [`log: ${field}`], defaulted: false });

function at(h: number | number[] | undefined, i: number): number | undefined {
  if (h === undefined) return undefined;
  return Array.isArray(h) ? h[i] : h;
}

/** The model llama.cpp describes in the log, or a reason it cannot be built. */
export function modelFromHparams(su: StartUp): { model?: ModelDescription; error?: string } {
  const h = su.hparams;
  const nLayer = typeof h.n_layer === 'number' ? h.n_layer : undefined;
  if (!nLayer || nLayer > 10000) return { error: 'the log prints no n_layer' };
  const kv0 = at(h.n_head_kv, 0);
  const q0 = at(h.n_head, 0);
  if (kv0 === undefined) return { error: 'the log prints no n_head_kv' };
  const notes: string[] = ['Built from the hparams llama.cpp printed in the log (no config given).'];
  const headK = (i: number) => {
    const kvh = at(h.n_head_kv, i) ?? kv0;
    return at(h.n_embd_head_k, i) ?? (kvh ? (at(h.n_embd_k_gqa, i) ?? 0) / kvh : 0);
  };
  const headV = (i: number) => {
    const kvh = at(h.n_head_kv, i) ?? kv0;
    return at(h.n_embd_head_v, i) ?? (kvh && at(h.n_embd_v_gqa, i) !== undefined ? at(h.n_embd_v_gqa, i)! / kvh : headK(i));
  };
  const fig = (name: string) => su.figures.find((f) => f.name === name)?.value;
  const nSwa = typeof h.n_swa === 'number' ? h.n_swa : 0;
  const swaLayers = nSwa > 0 ? fig('swa.layers') ?? 0 : 0;
  const hasState = typeof h.ssm_d_state === 'number' && h.ssm_d_state > 0;
  const attnLayers = hasState ? fig('kv.layers') ?? nLayer : nLayer;
  if (swaLayers) notes.push(`Which layers are SWA is not printed per layer: ${swaLayers} taken from the log's SWA cache line.`);
  if (hasState) notes.push(`Which layers are recurrent is not printed per layer: ${nLayer - attnLayers} taken from the log's KV cache line (${attnLayers} attention layers).`);
  let state: number | undefined;
  if (hasState) {
    const arch = su.architecture ?? '';
    const w = llamaRecurrentWidths({
      ssmDConv: Number(h.ssm_d_conv ?? 4), ssmDInner: Number(h.ssm_d_inner ?? 0), ssmDState: Number(h.ssm_d_state ?? 0),
      ssmNGroup: Number(h.ssm_n_group ?? 1), ssmDtRank: Number(h.ssm_dt_rank ?? 0), gatedDelta: /qwen3next|qwen35|delta|kimi/i.test(arch),
      ...(typeof h.wkv_head_size === 'number' ? { wkvHeadSize: h.wkv_head_size, nEmbd: Number(h.n_embd ?? 0), tokenShiftCount: Number(h.token_shift_count ?? 2) } : {}),
    });
    state = w.r + w.s;
  }
  const layers: LayerSpec[] = [];
  let attnSeen = 0;
  for (let i = 0; i < nLayer; i++) {
    const kvh = at(h.n_head_kv, i) ?? kv0;
    const q = at(h.n_head, i) ?? q0 ?? kvh;
    // Recurrent layers: the first (n_layer - attention layers) by count; order does not change any size.
    if (hasState && (kvh === 0 || attnSeen >= attnLayers)) {
      layers.push({ index: i, kind: 'state', label: 'recurrent (log)', kvHeads: 0, queryHeads: 0, headDimK: 0, headDimV: 0, stateElements: state, stateBytesPerElement: 4 });
      continue;
    }
    attnSeen++;
    // The first `swaLayers` attention layers are taken as SWA: the order changes no size.
    const sliding = attnSeen <= swaLayers;
    layers.push({
      index: i, kind: sliding ? 'sliding' : 'full', label: sliding ? 'swa (log)' : 'attention (log)',
      ...(sliding ? { window: nSwa } : {}), kvHeads: kvh, queryHeads: q, headDimK: headK(i), headDimV: headV(i),
    });
  }
  const model: ModelDescription = {
    modelType: su.architecture, architectures: su.architecture ? [su.architecture] : [], part: '', partPath: [],
    attention: {
      kind: kv0 === q0 ? 'MHA' : kv0 === 1 ? 'MQA' : 'GQA', queryHeads: from(q0 ?? kv0, 'n_head'), kvHeads: from(kv0, 'n_head_kv'),
      headDimK: from(headK(0), 'n_embd_head_k'), headDimV: from(headV(0), 'n_embd_head_v'), groupSize: q0 && kv0 ? q0 / kv0 : 1,
    },
    layers, numLayers: from(nLayer, 'n_layer'), mtpLayers: { value: 0, from: [], defaulted: true },
    ...(typeof h.n_embd === 'number' ? { hiddenSize: from(h.n_embd, 'n_embd') } : {}),
    tieWordEmbeddings: false,
    dtype: { value: 'fp16', from: [], defaulted: true, note: 'not in the log' },
    ...(typeof h.n_ctx_train === 'number' ? { maxContext: from(h.n_ctx_train, 'n_ctx_train') } : {}),
    encoderOnly: false,
    notes,
  };
  return { model };
}
