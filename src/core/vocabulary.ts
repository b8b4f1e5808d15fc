/**
 * The one vocabulary of config fields. Each row is a field a config may write, relative to the language-model
 * part (`attn_config.kv_n_heads` is a path of two keys), with what it is for:
 *   quantity  the size it spells; a quantity's aliases are read in this table's order (the first usable one wins)
 *   topic     the hover that explains it
 *   group     its grammar scope and schema group; rows with a description are documented in the JSON schema
 *   detects   a top-level key that marks a JSON file as a model config
 *   nests     the key wraps the language model of a multimodal or wrapper config
 * The normaliser, lint, the hovers, detection, the JSON schema and the TextMate grammar all read from here;
 * adding a model family's field is one row. Pure: no `vscode`, no `node:` imports.
 */

/** A size several field names can spell. */
export type Quantity = 'queryHeads' | 'kvHeads' | 'hiddenSize' | 'headDim' | 'numLayers' | 'maxContext' | 'slidingWindow' | 'stateSize';

/** What a key's hover is about. */
export type Topic = 'kvHeads' | 'queryHeads' | 'headDim' | 'hidden' | 'layers' | 'context' | 'window' | 'layerTypes' | 'dtype' | 'mla' | 'perLayerHeads' | 'part' | 'summary';

/** What a field tells about attention; the grammar scope suffix (`...kv-lens.heads`). */
export type FieldGroup = 'identity' | 'heads' | 'size' | 'layers' | 'context' | 'dtype' | 'part';

/** One row of the vocabulary. */
export interface FieldEntry {
  /** Path relative to the part that holds the language model; its last key is the key a hover sits on. */
  path: readonly string[];
  quantity?: Quantity;
  /** A condition the value is read under, in words (`multi_query_group_num`: only when multi_query_attention is true). */
  when?: string;
  topic?: Topic;
  group?: FieldGroup;
  /** One line for the JSON schema and completions; rows without one are read but not documented there. */
  description?: string;
  /** Typical values, offered as completions (never validated). */
  examples?: unknown[];
  detects?: true;
  nests?: true;
}

type Row = Omit<FieldEntry, 'path'>;
const row = (path: string | string[], r: Row): FieldEntry => ({ path: typeof path === 'string' ? [path] : path, ...r });
const doc = (group: FieldGroup, description: string, examples?: unknown[]): Row => (examples ? { group, description, examples } : { group, description });

/** Every field KV Lens reads or explains, in read order within each quantity. */
export const VOCABULARY: readonly FieldEntry[] = [
  row('model_type', { topic: 'summary', detects: true, ...doc('identity', 'The model family; selects the transformers config class and its defaults.', ['llama', 'qwen2', 'qwen3', 'mistral', 'gemma3', 'deepseek_v3', 'gpt2']) }),
  row('architectures', { topic: 'summary', detects: true, ...doc('identity', 'The model classes this checkpoint loads into (e.g. LlamaForCausalLM).') }),
  row('num_attention_heads', { quantity: 'queryHeads', topic: 'queryHeads', detects: true, ...doc('heads', 'Query heads per layer. With num_key_value_heads it sets the attention kind: equal = MHA, 1 = MQA, a divisor = GQA.', [32]) }),
  row('num_key_value_heads', { quantity: 'kvHeads', topic: 'kvHeads', detects: true, ...doc('heads', 'KV heads per layer: what the KV cache stores. Must divide num_attention_heads; absent or null means MHA (one KV head per query head).', [8]) }),
  row('num_kv_heads', { quantity: 'kvHeads', topic: 'kvHeads', ...doc('heads', 'KV heads per layer (Falcon and others): same meaning as num_key_value_heads.', [8]) }),
  row('n_head', { quantity: 'queryHeads', topic: 'queryHeads', detects: true, ...doc('heads', 'Query heads per layer (GPT-2 naming).', [12]) }),
  row('n_heads', { quantity: 'queryHeads', topic: 'queryHeads', detects: true, ...doc('heads', 'Query heads per layer (MPT naming).', [32]) }),
  row('n_head_kv', { quantity: 'kvHeads', topic: 'kvHeads', detects: true, ...doc('heads', 'KV heads per layer (older Falcon naming).', [8]) }),
  row('num_heads', { quantity: 'queryHeads', topic: 'queryHeads', ...doc('heads', 'Query heads per layer (T5 naming).', [8]) }),
  row(['attn_config', 'kv_n_heads'], { quantity: 'kvHeads', topic: 'kvHeads', ...doc('heads', 'KV heads per layer, in attn_config (MPT, DBRX).', [8]) }),
  row('multi_query_group_num', { quantity: 'kvHeads', when: 'multi_query_attention is true', topic: 'kvHeads', ...doc('heads', 'KV head groups (ChatGLM): the KV heads when multi_query_attention is true.', [2]) }),
  row('multi_query_attention', { topic: 'kvHeads', ...doc('heads', 'ChatGLM: when true, multi_query_group_num KV heads are used.', [true]) }),
  row('multi_query', { topic: 'kvHeads', ...doc('heads', 'When true, one KV head is shared by all query heads (StarCoder, Falcon-7B), unless new_decoder_architecture is set.', [true]) }),
  row('new_decoder_architecture', doc('heads', 'Falcon: when true, num_kv_heads KV heads are used instead of multi_query.', [true])),
  row('decoder_attention_heads', { quantity: 'queryHeads', topic: 'queryHeads', ...doc('heads', 'Query heads of the decoder (Whisper, BART).', [16]) }),
  row('encoder_attention_heads', doc('heads', 'Query heads of the encoder (Whisper, BART); the encoder keeps no KV cache.', [16])),
  row('num_global_key_value_heads', { topic: 'perLayerHeads', ...doc('heads', 'KV heads of the global (full-attention) layers when they differ from the sliding ones (Gemma 4).', [4]) }),
  row('swa_num_key_value_heads', { topic: 'perLayerHeads', ...doc('heads', 'KV heads of the sliding-window layers (MiMo-V2).', [8]) }),
  row('swa_num_attention_heads', { topic: 'perLayerHeads' }),
  row('attention_k_eq_v', { topic: 'perLayerHeads' }),
  row('hidden_size', { quantity: 'hiddenSize', topic: 'hidden', ...doc('size', 'Model width. Without head_dim, the head size is hidden_size / num_attention_heads.', [4096]) }),
  row('n_embd', { quantity: 'hiddenSize', topic: 'hidden', ...doc('size', 'Model width (GPT-2 naming).', [768]) }),
  row('d_model', { quantity: 'hiddenSize', topic: 'hidden', ...doc('size', 'Model width (T5, MPT, Whisper naming).', [512]) }),
  row('head_dim', { quantity: 'headDim', topic: 'headDim', ...doc('size', 'Size of one attention head; when given, it wins over hidden_size / num_attention_heads (Gemma, Qwen3, Mistral-Nemo, gpt-oss).', [128]) }),
  row('kv_channels', { quantity: 'headDim', topic: 'headDim', ...doc('size', 'Size of one attention head (ChatGLM).', [128]) }),
  row('d_kv', { quantity: 'headDim', topic: 'headDim', ...doc('size', 'Size of one attention head (T5).', [64]) }),
  row('attention_head_dim', { quantity: 'headDim', topic: 'headDim', ...doc('size', 'Size of one attention head (some model families).', [128]) }),
  row('hidden_size_per_head', { quantity: 'headDim', topic: 'headDim' }),
  row('global_head_dim', { topic: 'perLayerHeads', ...doc('size', 'Head size of the global (full-attention) layers when it differs (Gemma 4).', [256]) }),
  row('swa_head_dim', { topic: 'perLayerHeads', ...doc('size', 'Head size of the sliding-window layers (MiMo-V2).', [128]) }),
  row('swa_v_head_dim', { topic: 'perLayerHeads' }),
  row('v_head_dim', { topic: 'mla', ...doc('size', 'Size of one value head when it differs from the key head (MLA).', [128]) }),
  row('kv_lora_rank', { topic: 'mla', detects: true, ...doc('size', 'MLA: size of the compressed KV latent cached per token (with qk_rope_head_dim), instead of per-head K and V.', [512]) }),
  row('q_lora_rank', { topic: 'mla', ...doc('size', 'MLA: rank of the compressed query projection (does not affect the cache).', [1536]) }),
  row('qk_rope_head_dim', { topic: 'mla', ...doc('size', 'MLA: rotary part of each key head, cached beside the latent.', [64]) }),
  row('qk_nope_head_dim', { topic: 'mla', ...doc('size', 'MLA: non-rotary part of each query/key head.', [128]) }),
  row('qk_head_dim', { topic: 'mla' }),
  row('index_head_dim', { topic: 'mla' }),
  row('index_n_heads', { topic: 'mla' }),
  row('num_hidden_layers', { quantity: 'numLayers', topic: 'layers', detects: true, ...doc('layers', 'Decoder layers; every attention layer keeps its own KV cache.', [32]) }),
  row('n_layer', { quantity: 'numLayers', topic: 'layers', detects: true, ...doc('layers', 'Layers (GPT-2 naming).', [12]) }),
  row('n_layers', { quantity: 'numLayers', topic: 'layers', ...doc('layers', 'Layers (MPT naming).', [32]) }),
  row('num_layers', { quantity: 'numLayers', topic: 'layers', ...doc('layers', 'Layers (T5: encoder layers).', [6]) }),
  row('num_decoder_layers', { topic: 'layers', ...doc('layers', 'Decoder layers (T5).', [6]) }),
  row('decoder_layers', { quantity: 'numLayers', topic: 'layers', ...doc('layers', 'Decoder layers (Whisper, BART).', [12]) }),
  row('encoder_layers', doc('layers', 'Encoder layers (Whisper, BART); no KV cache of their own.', [12])),
  row('layer_types', { topic: 'layerTypes', ...doc('layers', 'Per-layer attention type; wins over other encodings. Sliding, chunked, linear and conv layers cache far less than full attention.', [['full_attention', 'sliding_attention']]) }),
  row('full_attention_interval', { topic: 'layerTypes', ...doc('layers', 'Every Nth layer uses full attention, the rest linear attention (Qwen3-Next).', [4]) }),
  row('sliding_window_pattern', { topic: 'window', ...doc('layers', 'Every Nth layer is global, the others use the sliding window (Gemma 3).', [6]) }),
  row('hybrid_override_pattern', { topic: 'layerTypes', detects: true, ...doc('layers', 'One character per block (Nemotron-H): * attention, M Mamba, E MoE, - MLP. Only * blocks keep a KV cache.') }),
  row('sliding_window_layout', { topic: 'layerTypes' }),
  row('hybrid_layer_pattern', { topic: 'layerTypes' }),
  row('layers_block_type', { topic: 'layerTypes' }),
  row('attn_type_list', { topic: 'layerTypes' }),
  row('block_configs', { topic: 'layerTypes' }),
  row('num_nextn_predict_layers', doc('layers', 'Multi-token-prediction layers that some engines add (and cache) on top of num_hidden_layers.', [1])),
  row('num_kv_shared_layers', { topic: 'perLayerHeads', ...doc('layers', 'Layers that reuse an earlier layer\'s KV cache instead of keeping their own (Gemma 3n).', [10]) }),
  row('max_position_embeddings', { quantity: 'maxContext', topic: 'context', ...doc('context', 'The model\'s maximum context; KV costs default to it.', [8192, 131072]) }),
  row('n_positions', { quantity: 'maxContext', topic: 'context', ...doc('context', 'Maximum context (GPT-2 naming).', [1024]) }),
  row('n_ctx', { quantity: 'maxContext', topic: 'context' }),
  row('seq_length', { quantity: 'maxContext', topic: 'context', ...doc('context', 'Maximum context (ChatGLM naming).', [32768]) }),
  row('max_sequence_length', { quantity: 'maxContext', topic: 'context' }),
  row('max_seq_len', { quantity: 'maxContext', topic: 'context' }),
  row('model_max_length', { quantity: 'maxContext', topic: 'context' }),
  row('sliding_window', { quantity: 'slidingWindow', topic: 'window', ...doc('context', 'Tokens a sliding-window layer keeps; its cache stops growing there. Only applies when the architecture uses it.', [4096]) }),
  row('sliding_window_size', { quantity: 'slidingWindow', topic: 'window' }),
  row('swa_window', { quantity: 'slidingWindow' }),
  row('use_sliding_window', { topic: 'window', ...doc('context', 'Qwen: when false, sliding_window has no effect.', [false]) }),
  row('max_window_layers', { topic: 'window' }),
  row('attention_chunk_size', { topic: 'window', ...doc('context', 'Tokens a chunked-attention layer attends to (Llama 4).', [8192]) }),
  row('ssm_state_size', { quantity: 'stateSize', detects: true }),
  row('state_size', { quantity: 'stateSize', detects: true }),
  row('mamba_d_state', { quantity: 'stateSize' }),
  row('torch_dtype', { topic: 'dtype', ...doc('dtype', 'The weights\' dtype; KV Lens takes it as the KV cache dtype unless kvLens.kvDtype says otherwise.', ['bfloat16', 'float16', 'float32']) }),
  row('dtype', { topic: 'dtype', ...doc('dtype', 'The weights\' dtype (newer transformers name for torch_dtype).', ['bfloat16', 'float16', 'float32']) }),
  row('text_config', { topic: 'part', detects: true, nests: true, ...doc('part', 'The language model of a multimodal or wrapper config (Gemma 3, Llama 4, Qwen-VL, Llava); KV Lens reads its attention from here.') }),
  row('llm_config', { topic: 'part', detects: true, nests: true, ...doc('part', 'The language model of a wrapper config; KV Lens reads its attention from here.') }),
  row('language_config', { topic: 'part', detects: true, nests: true, ...doc('part', 'The language model of a wrapper config; KV Lens reads its attention from here.') }),
  row('language_model_config', { topic: 'part', detects: true, nests: true }),
  row('text_model_config', { topic: 'part', detects: true, nests: true }),
  row('attn_config', doc('part', 'Attention settings of MPT and DBRX (kv_n_heads, attn_type).')),
];

/** What a layer of a `layer_types` entry keeps: a per-token cache of some reach, a fixed state, or nothing. */
export type LayerTypeCache = 'full' | 'sliding' | 'chunked' | 'linear' | 'conv' | 'mamba' | 'none';

/**
 * The `layer_types` entries transformers accepts (configuration_utils.ALLOWED_LAYER_TYPES, 5.x; anything else
 * raises ValueError), plus the two legacy names it remaps ("mamba" -> linear_attention, "attention" ->
 * full_attention) and which real configs still carry, with what each layer caches. The sparse and compressed
 * attention layers cache per token like full attention; moe, dense and sparse are MLP-only entries.
 */
export const LAYER_TYPES: Readonly<Record<string, LayerTypeCache>> = {
  full_attention: 'full',
  sliding_attention: 'sliding',
  chunked_attention: 'chunked',
  compressed_sparse_attention: 'full',
  heavily_compressed_attention: 'full',
  minimax_m3_sparse: 'full',
  deepseek_sparse_attention: 'full',
  hybrid: 'full',
  hybrid_sliding: 'sliding',
  linear_attention: 'linear',
  conv: 'conv',
  moe: 'none',
  dense: 'none',
  sparse: 'none',
  mamba: 'mamba',
  attention: 'full',
};

/** `layer_types` entries, for completions and the grammar. */
export const LAYER_TYPE_VALUES: readonly string[] = Object.keys(LAYER_TYPES);

/** A quantity's aliases as paths relative to the part, in read order. */
export function aliasPaths(q: Quantity): string[][] {
  return VOCABULARY.filter((e) => e.quantity === q).map((e) => [...e.path]);
}

/** A quantity's aliases that are plain keys of the part and read unconditionally, in read order. */
export function aliasKeys(q: Quantity): string[] {
  return VOCABULARY.filter((e) => e.quantity === q && e.path.length === 1 && !e.when).map((e) => e.path[0]!);
}

/** Keys under which wrappers nest the language model, in order of preference. */
export const NESTED_PARTS: readonly string[] = VOCABULARY.filter((e) => e.nests).map((e) => e.path[0]!);

/** Top-level keys that only model configs carry. */
export const MODEL_KEYS: ReadonlySet<string> = new Set(VOCABULARY.filter((e) => e.detects).map((e) => e.path[0]!));

/** Hover topic by key (the last key of a row's path). */
export const TOPIC_OF_KEY: ReadonlyMap<string, Topic> = new Map(
  VOCABULARY.filter((e): e is FieldEntry & { topic: Topic } => e.topic !== undefined).map((e) => [e.path[e.path.length - 1]!, e.topic]),
);

/** A documented field, as the JSON schema and the grammar take it. */
export interface DocumentedField {
  key: string;
  group: FieldGroup;
  description: string;
  examples?: unknown[];
}

/** The rows with a description, top-level keys and nested ones alike (the schema documents every key). */
export const DOCUMENTED_FIELDS: readonly DocumentedField[] = VOCABULARY.flatMap((e) =>
  e.group && e.description
    ? [{ key: e.path[e.path.length - 1]!, group: e.group, description: e.description, ...(e.examples ? { examples: e.examples } : {}) }]
    : [],
);
