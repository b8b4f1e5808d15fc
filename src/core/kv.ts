/**
 * KV cache arithmetic over a ModelDescription. Per layer, then summed: KV heads and head sizes can differ per
 * layer (KV-RULES), windows cap what a layer holds, state layers hold a fixed size, MLA caches one latent.
 */
import { KV_DTYPE_BYTES, toKvDtype } from './dtype';
import { formatBytes, formatInt } from './format';
import type { KvBreakdownRow, KvDtype, KvOptions, KvReport, LayerSpec, ModelDescription } from './types';

/** Context used when neither the user nor the config gives one. */
export const FALLBACK_CONTEXT = 4096;

/** Elements one token adds to one layer's cache (0 for state / none / shared layers). */
export function elementsPerToken(l: LayerSpec): number {
  if (l.sharesCacheWith !== undefined) return 0;
  if (l.kind === 'state' || l.kind === 'none') return 0;
  if (l.mlaLatent !== undefined) return l.mlaLatent + (l.indexHeadDim ?? 0);
  return l.kvHeads * l.headDimK + (l.sharedKv ? 0 : l.kvHeads * l.headDimV);
}

/** Tokens (cache entries) a layer holds at a context length, before paging. */
export function tokensHeld(l: LayerSpec, context: number): number {
  switch (l.kind) {
    case 'full': return context;
    case 'sliding':
    case 'chunked': return Math.min(context, l.window ?? context);
    case 'compressed': return Math.min(context, l.window ?? 0) + Math.floor(context / (l.compressRatio ?? Infinity));
    default: return 0;
  }
}

/** The KV heads of a layer that one GPU holds under tensor parallelism, and how often each is replicated. */
export function headsPerGpu(kvHeads: number, tp: number): { heads: number; replication: number } {
  if (tp <= 1 || kvHeads === 0) return { heads: kvHeads, replication: 1 };
  if (kvHeads >= tp) return { heads: Math.ceil(kvHeads / tp), replication: 1 };
  return { heads: 1, replication: tp / kvHeads };
}

function roundUp(tokens: number, block: number | undefined): number {
  return block && block > 0 ? Math.ceil(tokens / block) * block : tokens;
}

/** Resolves the options against the model's own defaults. */
export function resolveOptions(model: ModelDescription, opts: KvOptions = {}): Required<Omit<KvOptions, 'blockSize'>> & { blockSize?: number; dtypeFrom: string; contextFrom: string; notes: string[] } {
  const notes: string[] = [];
  // The cache's own format when the config names one (kv_cache_scheme), else the model dtype.
  const cacheDtype = model.kvCacheDtype ?? model.dtype;
  const modelKv = toKvDtype(cacheDtype.value) ?? 'bf16';
  const kvDtype: KvDtype = opts.kvDtype ?? modelKv;
  const dtypeFrom = opts.kvDtype
    ? 'chosen'
    : model.kvCacheDtype
      ? `KV cache scheme (${model.kvCacheDtype.from.join(', ')})`
      : model.dtype.defaulted ? 'assumed (no dtype in the config)' : `model dtype (${model.dtype.from.join(', ')})`;
  let context: number;
  let contextFrom: string;
  if (opts.context !== undefined && opts.context > 0) {
    context = Math.floor(opts.context);
    contextFrom = 'chosen';
    if (model.maxContext && context > model.maxContext.value) {
      notes.push(`Context ${formatInt(context)} is beyond the model's maximum of ${formatInt(model.maxContext.value)} (${model.maxContext.from.join(', ') || 'default'}): computed as asked.`);
    }
  } else if (model.maxContext) {
    context = model.maxContext.value;
    contextFrom = `model maximum (${model.maxContext.from.join(', ') || model.maxContext.note})`;
  } else {
    context = FALLBACK_CONTEXT;
    contextFrom = 'assumed: the config gives no maximum context';
  }
  // A missing, zero or non-finite count is one.
  const count = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.max(1, Math.floor(n)) : 1);
  const batch = count(opts.batch);
  const tp = count(opts.tp);
  return { context, batch, kvDtype, tp, ...(opts.blockSize ? { blockSize: opts.blockSize } : {}), dtypeFrom, contextFrom, notes };
}

/** Everything about the cache at one operating point. */
export function computeKv(model: ModelDescription, opts: KvOptions = {}): KvReport {
  const o = resolveOptions(model, opts);
  const b = KV_DTYPE_BYTES[o.kvDtype];
  const modelBytes = KV_DTYPE_BYTES[toKvDtype(model.dtype.value) ?? 'bf16'];
  const notes = [...o.notes];

  let bytesPerToken = 0;
  let cacheBytes = 0;
  let stateBytes = 0;
  let perGpuBytes = 0;
  let maxReplication = 1;
  const groups = new Map<string, KvBreakdownRow>();

  for (const l of model.layers) {
    const perToken = elementsPerToken(l) * b;
    const held = roundUp(tokensHeld(l, o.context), perToken > 0 ? o.blockSize : undefined);
    const layerCache = perToken * held * o.batch;
    const layerState = l.kind === 'state' && l.sharesCacheWith === undefined ? (l.stateElements ?? 0) * (l.stateBytesPerElement ?? modelBytes) * o.batch : 0;
    bytesPerToken += perToken;
    cacheBytes += layerCache;
    stateBytes += layerState;

    // Per GPU: heads split across ranks (replicated once tp exceeds them); an MLA latent sits on every rank;
    // state is split by heads like attention.
    if (l.mlaLatent !== undefined) perGpuBytes += layerCache;
    else if (perToken > 0) {
      const { heads, replication } = headsPerGpu(l.kvHeads, o.tp);
      maxReplication = Math.max(maxReplication, replication);
      perGpuBytes += layerCache * (heads / l.kvHeads);
    }
    perGpuBytes += layerState / o.tp;

    const key = `${l.kind}|${l.kvHeads}|${l.headDimK}|${l.headDimV}|${l.window ?? ''}|${l.compressRatio ?? ''}|${l.sharedKv ?? ''}|${l.mlaLatent ?? ''}|${l.stateElements ?? ''}|${l.sharesCacheWith !== undefined}`;
    const row = groups.get(key);
    if (row) {
      row.layers++;
      row.bytes += layerCache + layerState;
    } else {
      groups.set(key, {
        kind: l.kind, label: layerLabel(l), layers: 1,
        tokensHeld: perToken > 0 ? held : 0, bytesPerTokenPerLayer: perToken, bytes: layerCache + layerState,
      });
    }
  }

  let crossAttentionBytes = 0;
  if (model.encoderDecoder) {
    const ed = model.encoderDecoder;
    const a = model.attention;
    crossAttentionBytes = ed.decoderLayers.value * 2 * a.kvHeads.value * a.headDimK.value * b * ed.encoderLength.value * o.batch;
    const { heads } = headsPerGpu(a.kvHeads.value, o.tp);
    perGpuBytes += crossAttentionBytes * (heads / a.kvHeads.value);
    notes.push(`Cross-attention cache: ${ed.decoderLayers.value} decoder layers x 2 x ${a.kvHeads.value} heads x ${a.headDimK.value} x ${ed.encoderLength.value} encoder tokens (${ed.encoderLength.from.join(', ') || ed.encoderLength.note}), reported apart.`);
  }

  const perGpuKvHeads = headsPerGpu(model.attention.kvHeads.value, o.tp).heads;
  if (maxReplication > 1) notes.push(`Tensor parallel ${o.tp} exceeds the KV heads: each KV head is replicated on ${maxReplication} GPUs, so the cluster holds ${maxReplication}x the cache.`);
  if (model.mla && o.tp > 1) notes.push('MLA: the latent is not split by heads; every GPU holds all of it.');
  if (o.blockSize) notes.push(`Paged cache: each sequence's tokens per layer rounded up to whole blocks of ${o.blockSize}.`);
  if (model.encoderOnly) notes.push('Encoder-only: no KV cache.');

  const report: KvReport = {
    dtype: o.kvDtype, dtypeFrom: o.dtypeFrom, bytesPerElement: b,
    context: o.context, contextFrom: o.contextFrom, batch: o.batch, tp: o.tp, ...(o.blockSize ? { blockSize: o.blockSize } : {}),
    bytesPerToken, cacheBytes, stateBytes, crossAttentionBytes, totalBytes: cacheBytes + stateBytes + crossAttentionBytes,
    perGpuBytes, clusterBytes: perGpuBytes * o.tp, perGpuKvHeads, replication: maxReplication,
    breakdown: [...groups.values()],
    formula: formulaFor(model, o.kvDtype, b, bytesPerToken),
    notes,
  };
  if (model.mla) {
    const m = model.mla;
    const perLayer = model.attention.queryHeads.value * (m.qkNopeHeadDim.value + m.qkRopeHeadDim.value + m.vHeadDim.value) * b;
    const mlaLayers = model.layers.filter((l) => l.mlaLatent !== undefined);
    report.mlaExpanded = {
      bytesPerToken: perLayer * mlaLayers.length,
      cacheBytes: mlaLayers.reduce((s, l) => s + perLayer * tokensHeld(l, o.context) * o.batch, 0),
    };
  }
  return report;
}

function layerLabel(l: LayerSpec): string {
  if (l.sharesCacheWith !== undefined) return `${l.kind}, reuses layer ${l.sharesCacheWith}'s cache`;
  if (l.kind === 'state') return `fixed state (${l.label})`;
  if (l.kind === 'none') return `no cache (${l.label})`;
  const shape = l.mlaLatent !== undefined
    ? `MLA latent ${l.mlaLatent}${l.indexHeadDim ? ` + indexer ${l.indexHeadDim}` : ''}`
    : `${l.kvHeads} KV heads x ${l.headDimK}${l.headDimV !== l.headDimK ? `/${l.headDimV}` : ''}${l.sharedKv ? ', K = V' : ''}`;
  switch (l.kind) {
    case 'full': return `full attention, ${shape}`;
    case 'sliding': return `sliding window ${formatInt(l.window ?? 0)}, ${shape}`;
    case 'chunked': return `chunked ${formatInt(l.window ?? 0)}, ${shape}`;
    case 'compressed': return `window ${formatInt(l.window ?? 0)} + 1/${l.compressRatio} compressed, ${shape}`;
  }
}

/** "2 (K, V) x 8 KV heads x 128 x 2 B (bf16) x 32 layers = 128 KiB per token", or the per-kind sum. */
function formulaFor(model: ModelDescription, dtype: KvDtype, b: number, total: number): string {
  const cached = model.layers.filter((l) => elementsPerToken(l) > 0);
  if (cached.length === 0) return 'no per-token cache';
  const kinds = new Map<string, { l: LayerSpec; n: number }>();
  for (const l of cached) {
    const k = `${elementsPerToken(l)}|${l.kvHeads}|${l.headDimK}|${l.headDimV}|${l.sharedKv}`;
    const e = kinds.get(k);
    if (e) e.n++;
    else kinds.set(k, { l, n: 1 });
  }
  const bytes = `${b} B (${dtype})`;
  const terms = [...kinds.values()].map(({ l, n }) => {
    if (l.mlaLatent !== undefined) return `(${l.mlaLatent - (model.mla?.qkRopeHeadDim.value ?? 0)} + ${model.mla?.qkRopeHeadDim.value ?? 0}${l.indexHeadDim ? ` + ${l.indexHeadDim}` : ''}) latent x ${bytes} x ${n} layers`;
    if (l.sharedKv) return `1 (K = V) x ${l.kvHeads} KV heads x ${l.headDimK} x ${bytes} x ${n} layers`;
    if (l.headDimK !== l.headDimV) return `${l.kvHeads} KV heads x (${l.headDimK} + ${l.headDimV}) x ${bytes} x ${n} layers`;
    return `2 (K, V) x ${l.kvHeads} KV heads x ${l.headDimK} x ${bytes} x ${n} layers`;
  });
  return `${terms.join(' + ')} = ${formatInt(total)} B (${formatBytes(total)}) per token`;
}
