/**
 * The config fields KV Lens explains outside the hover: their one-line descriptions and typical values,
 * grouped by what they say about attention. The JSON schema (descriptions, completions) and the TextMate
 * injection grammar (scopes themes can colour) are both generated from this table (jsonAssets.ts).
 */

/** What a field tells about attention; the grammar scope suffix (`...kv-lens.heads`). */
export type FieldGroup = 'identity' | 'heads' | 'size' | 'layers' | 'context' | 'dtype' | 'part';

/** One documented config field. */
export interface ConfigField {
  key: string;
  group: FieldGroup;
  description: string;
  /** Typical values, offered as completions (never validated). */
  examples?: unknown[];
}

const f = (group: FieldGroup, key: string, description: string, examples?: unknown[]): ConfigField =>
  examples ? { key, group, description, examples } : { key, group, description };

/** Every documented field, top level and in nested language-model parts. */
export const CONFIG_FIELDS: readonly ConfigField[] = [
  f('identity', 'model_type', 'The model family; selects the transformers config class and its defaults.', ['llama', 'qwen2', 'qwen3', 'mistral', 'gemma3', 'deepseek_v3', 'gpt2']),
  f('identity', 'architectures', 'The model classes this checkpoint loads into (e.g. LlamaForCausalLM).'),
  f('heads', 'num_attention_heads', 'Query heads per layer. With num_key_value_heads it sets the attention kind: equal = MHA, 1 = MQA, a divisor = GQA.', [32]),
  f('heads', 'num_key_value_heads', 'KV heads per layer: what the KV cache stores. Must divide num_attention_heads; absent or null means MHA (one KV head per query head).', [8]),
  f('heads', 'num_kv_heads', 'KV heads per layer (Falcon and others): same meaning as num_key_value_heads.', [8]),
  f('heads', 'n_head', 'Query heads per layer (GPT-2 naming).', [12]),
  f('heads', 'n_heads', 'Query heads per layer (MPT naming).', [32]),
  f('heads', 'n_head_kv', 'KV heads per layer (older Falcon naming).', [8]),
  f('heads', 'num_heads', 'Query heads per layer (T5 naming).', [8]),
  f('heads', 'kv_n_heads', 'KV heads per layer, in attn_config (MPT, DBRX).', [8]),
  f('heads', 'multi_query_group_num', 'KV head groups (ChatGLM): the KV heads when multi_query_attention is true.', [2]),
  f('heads', 'multi_query_attention', 'ChatGLM: when true, multi_query_group_num KV heads are used.', [true]),
  f('heads', 'multi_query', 'When true, one KV head is shared by all query heads (StarCoder, Falcon-7B), unless new_decoder_architecture is set.', [true]),
  f('heads', 'new_decoder_architecture', 'Falcon: when true, num_kv_heads KV heads are used instead of multi_query.', [true]),
  f('heads', 'decoder_attention_heads', 'Query heads of the decoder (Whisper, BART).', [16]),
  f('heads', 'encoder_attention_heads', 'Query heads of the encoder (Whisper, BART); the encoder keeps no KV cache.', [16]),
  f('heads', 'num_global_key_value_heads', 'KV heads of the global (full-attention) layers when they differ from the sliding ones (Gemma 4).', [4]),
  f('heads', 'swa_num_key_value_heads', 'KV heads of the sliding-window layers (MiMo-V2).', [8]),
  f('size', 'hidden_size', 'Model width. Without head_dim, the head size is hidden_size / num_attention_heads.', [4096]),
  f('size', 'n_embd', 'Model width (GPT-2 naming).', [768]),
  f('size', 'd_model', 'Model width (T5, MPT, Whisper naming).', [512]),
  f('size', 'head_dim', 'Size of one attention head; when given, it wins over hidden_size / num_attention_heads (Gemma, Qwen3, Mistral-Nemo, gpt-oss).', [128]),
  f('size', 'kv_channels', 'Size of one attention head (ChatGLM).', [128]),
  f('size', 'd_kv', 'Size of one attention head (T5).', [64]),
  f('size', 'attention_head_dim', 'Size of one attention head (some model families).', [128]),
  f('size', 'global_head_dim', 'Head size of the global (full-attention) layers when it differs (Gemma 4).', [256]),
  f('size', 'swa_head_dim', 'Head size of the sliding-window layers (MiMo-V2).', [128]),
  f('size', 'v_head_dim', 'Size of one value head when it differs from the key head (MLA).', [128]),
  f('size', 'kv_lora_rank', 'MLA: size of the compressed KV latent cached per token (with qk_rope_head_dim), instead of per-head K and V.', [512]),
  f('size', 'q_lora_rank', 'MLA: rank of the compressed query projection (does not affect the cache).', [1536]),
  f('size', 'qk_rope_head_dim', 'MLA: rotary part of each key head, cached beside the latent.', [64]),
  f('size', 'qk_nope_head_dim', 'MLA: non-rotary part of each query/key head.', [128]),
  f('layers', 'num_hidden_layers', 'Decoder layers; every attention layer keeps its own KV cache.', [32]),
  f('layers', 'n_layer', 'Layers (GPT-2 naming).', [12]),
  f('layers', 'n_layers', 'Layers (MPT naming).', [32]),
  f('layers', 'num_layers', 'Layers (T5: encoder layers).', [6]),
  f('layers', 'num_decoder_layers', 'Decoder layers (T5).', [6]),
  f('layers', 'decoder_layers', 'Decoder layers (Whisper, BART).', [12]),
  f('layers', 'encoder_layers', 'Encoder layers (Whisper, BART); no KV cache of their own.', [12]),
  f('layers', 'layer_types', 'Per-layer attention type; wins over other encodings. Sliding, chunked, linear and conv layers cache far less than full attention.', [['full_attention', 'sliding_attention']]),
  f('layers', 'full_attention_interval', 'Every Nth layer uses full attention, the rest linear attention (Qwen3-Next).', [4]),
  f('layers', 'sliding_window_pattern', 'Every Nth layer is global, the others use the sliding window (Gemma 3).', [6]),
  f('layers', 'hybrid_override_pattern', 'One character per block (Nemotron-H): * attention, M Mamba, E MoE, - MLP. Only * blocks keep a KV cache.'),
  f('layers', 'num_nextn_predict_layers', 'Multi-token-prediction layers that some engines add (and cache) on top of num_hidden_layers.', [1]),
  f('layers', 'num_kv_shared_layers', 'Layers that reuse an earlier layer\'s KV cache instead of keeping their own (Gemma 3n).', [10]),
  f('context', 'max_position_embeddings', 'The model\'s maximum context; KV costs default to it.', [8192, 131072]),
  f('context', 'n_positions', 'Maximum context (GPT-2 naming).', [1024]),
  f('context', 'seq_length', 'Maximum context (ChatGLM naming).', [32768]),
  f('context', 'sliding_window', 'Tokens a sliding-window layer keeps; its cache stops growing there. Only applies when the architecture uses it.', [4096]),
  f('context', 'use_sliding_window', 'Qwen: when false, sliding_window has no effect.', [false]),
  f('context', 'attention_chunk_size', 'Tokens a chunked-attention layer attends to (Llama 4).', [8192]),
  f('dtype', 'torch_dtype', 'The weights\' dtype; KV Lens takes it as the KV cache dtype unless kvLens.kvDtype says otherwise.', ['bfloat16', 'float16', 'float32']),
  f('dtype', 'dtype', 'The weights\' dtype (newer transformers name for torch_dtype).', ['bfloat16', 'float16', 'float32']),
  f('part', 'text_config', 'The language model of a multimodal or wrapper config (Gemma 3, Llama 4, Qwen-VL, Llava); KV Lens reads its attention from here.'),
  f('part', 'llm_config', 'The language model of a wrapper config; KV Lens reads its attention from here.'),
  f('part', 'language_config', 'The language model of a wrapper config; KV Lens reads its attention from here.'),
  f('part', 'attn_config', 'Attention settings of MPT and DBRX (kv_n_heads, attn_type).'),
];

/** `layer_types` entries real configs use. */
export const LAYER_TYPE_VALUES: readonly string[] = [
  'full_attention',
  'sliding_attention',
  'chunked_attention',
  'linear_attention',
  'conv',
  'mamba',
  'attention',
];
