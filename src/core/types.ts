/**
 * The data model every KV Lens surface shares: what a config says about attention, normalised.
 * Pure types; no `vscode` import anywhere under `src/core/`.
 */

/** A JSON path from the document root, as jsonc-parser spells it. */
export type JsonPath = (string | number)[];

/** A character span in the source text (offsets from jsonc-parser). */
export interface SourceRange {
  offset: number;
  length: number;
}

/** Where a derived value came from, so a user can see why. */
export interface Derived<T> {
  value: T;
  /** The config fields it was read or computed from, as dotted paths (`text_config.num_key_value_heads`). */
  from: string[];
  /** True when no field gave it and the model type's library default (or a rule) was used. */
  defaulted: boolean;
  /** Why, in words, when the value is not simply a field read (a default, a rule, an assumption). */
  note?: string;
}

/** The attention grouping of a model (of its dominant, full-attention layers). */
export type AttentionKind = 'MHA' | 'GQA' | 'MQA' | 'MLA' | 'none';

/**
 * What one layer keeps per sequence:
 * - `full`: a per-token KV cache over the whole context;
 * - `sliding`: a per-token cache over at most `window` tokens;
 * - `chunked`: a per-token cache over at most `window` tokens (the current attention chunk);
 * - `compressed`: a sliding window plus one entry per `compressRatio` tokens (DeepSeek-V4);
 * - `state`: a fixed-size recurrent state, independent of context (Mamba, linear attention, conv);
 * - `none`: no cache at all (no-op attention, MLP-only blocks).
 */
export type LayerKind = 'full' | 'sliding' | 'chunked' | 'compressed' | 'state' | 'none';

/** One decoder layer as far as the cache is concerned. */
export interface LayerSpec {
  index: number;
  kind: LayerKind;
  /** The name the config used for this layer's type (`sliding_attention`, `M`, `linear_attention`, ...). */
  label: string;
  /** Tokens held at most, for `sliding` / `chunked` / `compressed`. */
  window?: number;
  /** One compressed entry per this many tokens, for `compressed`. */
  compressRatio?: number;
  /** KV heads of this layer (0 for state / none / MLA). */
  kvHeads: number;
  /** Query heads of this layer. */
  queryHeads: number;
  headDimK: number;
  headDimV: number;
  /** True when K and V are one tensor (`attention_k_eq_v`, MLA): only one is cached. */
  sharedKv?: boolean;
  /** MLA: values cached per token (kv_lora_rank + qk_rope_head_dim). */
  mlaLatent?: number;
  /** Sparse-attention indexer keys cached per token beside the MLA latent (GLM-5, DeepSeek-V3.2: index_head_dim). */
  indexHeadDim?: number;
  /** For `state` layers: elements of fixed state per sequence, and what they are. */
  stateElements?: number;
  stateBytesPerElement?: number;
  stateNote?: string;
  /** The layer reuses another layer's cache (cross-layer sharing) and keeps none of its own. */
  sharesCacheWith?: number;
}

/** Multi-head latent attention sizes (DeepSeek-V2/V3, Kimi-K2, GLM-5). */
export interface MlaSpec {
  kvLoraRank: Derived<number>;
  qkRopeHeadDim: Derived<number>;
  qkNopeHeadDim: Derived<number>;
  vHeadDim: Derived<number>;
  /** kv_lora_rank + qk_rope_head_dim: the values cached per token per layer by vLLM, SGLang, llama.cpp. */
  latent: number;
}

/** Encoder-decoder structure: the decoder keeps a self-attention cache plus a cross-attention cache. */
export interface EncoderDecoderSpec {
  encoderLayers: Derived<number>;
  decoderLayers: Derived<number>;
  /** Encoder sequence length the cross-attention cache is sized by. */
  encoderLength: Derived<number>;
}

/** Mixture-of-experts sizes, where the config has them. */
export interface ExpertsSpec {
  total: Derived<number>;
  active: Derived<number>;
  shared: number;
  intermediateSize?: Derived<number>;
  /** Layers that are dense (no experts), e.g. DeepSeek's first_k_dense_replace. */
  denseLayers: number;
}

/** Everything KV Lens knows about a config's language model, normalised from any field naming. */
export interface ModelDescription {
  modelType: string | undefined;
  architectures: string[];
  /** Which part of the file was read: '' for the top level, else `text_config`, `llm_config`, ... */
  part: string;
  partPath: JsonPath;
  /** The nested part's own model_type, when it has one (gemma3_text, ministral3, ...). */
  partModelType?: string;
  attention: {
    kind: AttentionKind;
    queryHeads: Derived<number>;
    /** KV heads of the dominant (full-attention) layers; the MLA configs' vestigial field is not used. */
    kvHeads: Derived<number>;
    headDimK: Derived<number>;
    headDimV: Derived<number>;
    /** Query heads per KV head. */
    groupSize: number;
  };
  mla?: MlaSpec;
  layers: LayerSpec[];
  numLayers: Derived<number>;
  /** MTP / next-token-prediction layers some engines add (not counted in `layers`). */
  mtpLayers: Derived<number>;
  hiddenSize?: Derived<number>;
  intermediateSize?: Derived<number>;
  vocabSize?: Derived<number>;
  tieWordEmbeddings: boolean;
  experts?: ExpertsSpec;
  /** The model's dtype (torch_dtype / dtype: its weights'), normalised to a KvDtype name where possible. */
  dtype: Derived<string>;
  /** The KV cache's own format when the config names one (quantization_config.kv_cache_scheme); else the cache follows `dtype`. */
  kvCacheDtype?: Derived<string>;
  maxContext?: Derived<number>;
  encoderDecoder?: EncoderDecoderSpec;
  /** Encoder-only (BERT and kin): no KV cache at inference. */
  encoderOnly: boolean;
  /** Assumptions and defaults worth telling the user, in words. */
  notes: string[];
}

/** Severity of a finding, mapped to a VS Code DiagnosticSeverity by the editor layer. */
export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** An unambiguous edit that fixes a finding. */
export interface FindingFix {
  title: string;
  /** Replace the value at `path` with `value`, or remove the property at `path` when `remove`. */
  path: JsonPath;
  value?: unknown;
  remove?: boolean;
}

/** A lint result: stable code, a message naming the field, and the source range of the offending value. */
export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  path: JsonPath;
  range: SourceRange;
  fixes: FindingFix[];
}

/** A JSON syntax problem, with its position; parsing never throws. */
export interface SyntaxProblem {
  message: string;
  range: SourceRange;
  line: number;
  column: number;
  /** Tolerated extensions (Python's Infinity / NaN) are reported but do not stop analysis. */
  tolerated: boolean;
}

/** KV cache element formats. q8_0 / q4_0 are llama.cpp's block formats (34 / 18 bytes per 32 values). */
export type KvDtype = 'fp32' | 'fp16' | 'bf16' | 'fp8' | 'int8' | 'int4' | 'q8_0' | 'q4_0';

/** What the user asks the KV arithmetic for; every field has a sensible default. */
export interface KvOptions {
  /** Tokens per sequence; default the model's maximum context. */
  context?: number;
  /** Concurrent sequences; default 1. */
  batch?: number;
  /** Cache element format; default the model's dtype. */
  kvDtype?: KvDtype;
  /** Tensor-parallel degree; default 1. */
  tp?: number;
  /** Paged-cache block size in tokens (vLLM: 16); absent means no paging. */
  blockSize?: number;
}

/** The cache of one group of layers of the same kind and shape. */
export interface KvBreakdownRow {
  kind: LayerKind;
  /** A short human label: "full attention, 8 KV heads x 128", "sliding (4096)", "Mamba state". */
  label: string;
  layers: number;
  /** Tokens each of these layers holds at the asked context (0 for state / none). */
  tokensHeld: number;
  /** Bytes one token adds to one layer of this group (0 for state / none). */
  bytesPerTokenPerLayer: number;
  /** Bytes for the whole group, all sequences. */
  bytes: number;
}

/** The full answer to "what does the cache cost", with every number's reason. */
export interface KvReport {
  dtype: KvDtype;
  dtypeFrom: string;
  bytesPerElement: number;
  context: number;
  contextFrom: string;
  batch: number;
  tp: number;
  blockSize?: number;
  /** Growth per token while the context is below every window, all layers, one sequence. */
  bytesPerToken: number;
  /** Per-token cache at the asked context and batch, windows applied (and paging, when asked). */
  cacheBytes: number;
  /** Fixed per-sequence state of SSM / linear / conv layers, times batch. */
  stateBytes: number;
  /** Cross-attention cache of encoder-decoder models, times batch. */
  crossAttentionBytes: number;
  /** cacheBytes + stateBytes + crossAttentionBytes. */
  totalBytes: number;
  /** What one GPU holds under tensor parallelism (heads split, replicated once tp exceeds them). */
  perGpuBytes: number;
  /** tp x perGpuBytes: the cluster total, larger than totalBytes when heads are replicated. */
  clusterBytes: number;
  /** KV heads each GPU holds for the dominant layers: max(1, kvHeads / tp). */
  perGpuKvHeads: number;
  /** How many GPUs hold a copy of each KV head (1 = no replication). */
  replication: number;
  breakdown: KvBreakdownRow[];
  /** MLA only: what HF transformers' eager code caches (expanded per-head K and V), for comparison. */
  mlaExpanded?: { bytesPerToken: number; cacheBytes: number };
  /** The formula for bytesPerToken with this model's numbers. */
  formula: string;
  /** Conventions applied and warnings, in words. */
  notes: string[];
}
