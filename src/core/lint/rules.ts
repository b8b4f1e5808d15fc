/**
 * The lint rules as data: stable code, default severity, and the documentation the README, the generated
 * `docs/lint-rules.md` and package.json's `kvLens.ruleSeverities` settings are all produced from.
 * Codes never change once published; a rule that is retired keeps its code unused.
 */
import type { Severity } from '../types';

/** One lint rule's identity and documentation. */
export interface LintRule {
  /** Stable code, `kv-lens.<kebab-name>`; the key of `kvLens.ruleSeverities`. */
  code: string;
  defaultSeverity: Severity;
  /** One line: what it catches. */
  title: string;
  /** Why it matters: what goes wrong downstream. */
  why: string;
  /** A config fragment that triggers it. */
  example: string;
  /** The quick fix offered, when the right edit is unambiguous. */
  fix?: string;
}

/** Every rule, in the order the docs list them. */
export const LINT_RULES = [
  {
    code: 'kv-lens.kv-heads-not-divisor',
    defaultSeverity: 'error',
    title: 'KV heads do not divide the query heads',
    why: 'Grouped-query attention gives every KV head the same number of query heads; transformers, vLLM and llama.cpp all refuse or mis-shape a model whose query heads are not a multiple of its KV heads.',
    example: '"num_attention_heads": 32, "num_key_value_heads": 6',
    fix: 'Set the KV heads to the nearest divisor of the query heads (both when two are equally near).',
  },
  {
    code: 'kv-lens.kv-heads-above-query-heads',
    defaultSeverity: 'error',
    title: 'More KV heads than query heads',
    why: 'A query head attends to exactly one KV head, so KV heads beyond the query heads can never be used; the config is wrong, often with the two numbers swapped.',
    example: '"num_attention_heads": 8, "num_key_value_heads": 32',
    fix: 'Set the KV heads to the query heads (plain multi-head attention).',
  },
  {
    code: 'kv-lens.invalid-size',
    defaultSeverity: 'error',
    title: 'A size is zero, negative or not a whole number',
    why: 'Head counts, head sizes, hidden sizes, layer counts, context lengths and windows are tensor dimensions; a fraction or a non-positive value fails at load time or makes every KV figure meaningless.',
    example: '"num_key_value_heads": 0',
  },
  {
    code: 'kv-lens.wrong-type',
    defaultSeverity: 'error',
    title: 'A size is written as a string, boolean, list or object',
    why: 'Python config classes take the value as written: "8" is a string, and `hidden_size // "8"` raises; tools that coerce it silently hide a broken file.',
    example: '"num_key_value_heads": "8"',
    fix: 'Write the number without quotes, when the string holds a whole number.',
  },
  {
    code: 'kv-lens.hidden-size-not-divisible',
    defaultSeverity: 'error',
    title: 'hidden_size is not divisible by the query heads and no head_dim is given',
    why: 'Without head_dim the head size is hidden_size / num_attention_heads; a remainder makes the Q/K/V projections impossible to split into heads.',
    example: '"hidden_size": 4000, "num_attention_heads": 32',
  },
  {
    code: 'kv-lens.head-dim-mismatch',
    defaultSeverity: 'information',
    title: 'head_dim x query heads differs from hidden_size',
    why: 'Legitimate (Gemma, Qwen3, Mistral-Nemo, gpt-oss project to a different width), but calculators that use hidden_size / heads get the KV cache wrong for these models; KV Lens uses head_dim.',
    example: '"hidden_size": 5376, "num_attention_heads": 32, "head_dim": 128',
  },
  {
    code: 'kv-lens.sliding-window-disabled',
    defaultSeverity: 'information',
    title: 'sliding_window is set but use_sliding_window is false',
    why: 'Qwen2/2.5/3 ship a window number with the window switched off; every layer keeps the full context. Readers who see the number assume a capped cache and underestimate memory.',
    example: '"sliding_window": 131072, "use_sliding_window": false',
    fix: 'Remove sliding_window (it has no effect).',
  },
  {
    code: 'kv-lens.sliding-window-no-effect',
    defaultSeverity: 'information',
    title: 'The sliding window is at or above the maximum context',
    why: 'A window never fills when the context cannot reach it: the windowed layers cost as much as full ones, and the config suggests a saving that does not exist.',
    example: '"sliding_window": 32768, "max_position_embeddings": 32768',
    fix: 'Set sliding_window to null (removing it could bring back the config class default window).',
  },
  {
    code: 'kv-lens.window-above-context',
    defaultSeverity: 'hint',
    title: 'The sliding window is larger than the context in the settings',
    why: 'At the context you costed (kvLens.context) the window never fills, so sliding layers save nothing there; the saving only appears beyond the window.',
    example: '"sliding_window": 8192 with kvLens.context = 4096',
  },
  {
    code: 'kv-lens.dtype-conflict',
    defaultSeverity: 'warning',
    title: 'torch_dtype and dtype disagree',
    why: 'transformers renamed torch_dtype to dtype (4.56) and reads dtype when both are written, older versions read only torch_dtype: the same file loads in different precisions, and the default KV element size changes with it.',
    example: '"torch_dtype": "float16", "dtype": "bfloat16"',
    fix: 'Set torch_dtype to the value of dtype.',
  },
  {
    code: 'kv-lens.text-config-mismatch',
    defaultSeverity: 'warning',
    title: 'text_config and top-level attention fields disagree',
    why: 'Wrapper models read the language model from text_config (or llm_config / language_config); a top-level copy that differs is ignored by transformers but read by tools that do not look inside, which then report the wrong model.',
    example: '"num_key_value_heads": 4, "text_config": { "num_key_value_heads": 8 }',
    fix: 'Set the top-level field to the value in the nested language-model config.',
  },
  {
    code: 'kv-lens.conflicting-aliases',
    defaultSeverity: 'warning',
    title: 'Two names for the same size disagree',
    why: 'Config classes read one spelling (num_attention_heads over num_heads, sliding_window over sliding_window_size); a second, different value misleads readers and tools that prefer the other name.',
    example: '"num_attention_heads": 32, "num_heads": 16',
    fix: 'Set the other name to the value KV Lens (and transformers) read.',
  },
  {
    code: 'kv-lens.layer-types-length',
    defaultSeverity: 'error',
    title: 'layer_types does not have one entry per layer',
    why: 'transformers validates that layer_types lists every layer; a shorter or longer list fails to load, and per-layer KV costs cannot be attributed.',
    example: '"num_hidden_layers": 4, "layer_types": ["sliding_attention", "full_attention"]',
  },
  {
    code: 'kv-lens.tp-not-dividing-query-heads',
    defaultSeverity: 'error',
    title: 'The tensor-parallel degree does not divide the query heads',
    why: 'Tensor parallelism splits attention by heads; vLLM and TensorRT-LLM refuse to start when the query heads are not a multiple of the degree (kvLens.tensorParallel).',
    example: '"num_attention_heads": 28 with kvLens.tensorParallel = 8',
  },
  {
    code: 'kv-lens.tp-kv-heads-mismatch',
    defaultSeverity: 'error',
    title: 'The tensor-parallel degree and the KV heads do not split evenly',
    why: 'Engines need the KV heads to be a multiple of the degree, or the degree a multiple of the KV heads (then heads are replicated); anything else fails to shard.',
    example: '"num_key_value_heads": 6 with kvLens.tensorParallel = 4',
  },
  {
    code: 'kv-lens.tp-replicates-kv-heads',
    defaultSeverity: 'information',
    title: 'The tensor-parallel degree exceeds the KV heads: KV heads are replicated',
    why: 'Each GPU needs at least one KV head, so above the KV head count heads are copied: the per-GPU cache stops shrinking and the cluster total grows by the replication factor.',
    example: '"num_key_value_heads": 2 with kvLens.tensorParallel = 8',
  },
  {
    code: 'kv-lens.mla-kv-heads-vestigial',
    defaultSeverity: 'information',
    title: 'num_key_value_heads is unused under multi-head latent attention',
    why: 'MLA (DeepSeek-V2/V3, Kimi-K2, GLM-5) caches one latent of kv_lora_rank + qk_rope_head_dim values per token and layer; the KV head count in these configs is vestigial, and calculators that use it overstate the cache many times over.',
    example: '"kv_lora_rank": 512, "num_key_value_heads": 128',
  },
  {
    code: 'kv-lens.read-in-outline',
    defaultSeverity: 'information',
    title: 'A file over 1 MiB is read in outline',
    why: 'A config with a giant id2label or an embedded tokenizer table can run to tens of megabytes. To stay fast, KV Lens reads such a file in outline: it expands only the fields attention depends on, so syntax errors inside the skipped values are not reported. Its analysis also runs off the editor\'s thread.',
    example: 'a 45 MB config.json whose id2label holds a million labels',
  },
  {
    code: 'kv-lens.field-ignored',
    defaultSeverity: 'information',
    title: 'A field this model type ignores',
    why: 'Some fields are read only by some architectures or only under a switch (sliding_window on Llama, multi_query_group_num without multi_query_attention, Falcon num_kv_heads without new_decoder_architecture); the number suggests a cache shape the model does not have.',
    example: '"model_type": "llama", "sliding_window": 4096',
    fix: 'Remove the field (it has no effect).',
  },
  {
    code: 'kv-lens.duplicate-key',
    defaultSeverity: 'warning',
    title: 'A key is written twice in one object',
    why: 'Python\'s json, and so transformers, keeps the last value of a repeated key; many other readers keep the first. Whoever edited the earlier one sees a number the model never uses. KV Lens reads the last, as the model does.',
    example: '"num_key_value_heads": 8, ..., "num_key_value_heads": 4',
  },
  {
    code: 'kv-lens.non-standard-json',
    defaultSeverity: 'warning',
    title: 'The file is not standard JSON',
    why: 'NaN, Infinity and -Infinity (written by Python for non-finite floats) are read by Python\'s json but refused by JSON.parse, jq, serde_json and most other tools; comments and trailing commas in a .json file make Python\'s json.load itself fail, so transformers cannot load the config. (.jsonc files may have comments.)',
    example: '"time_step_limit": [0.0, Infinity]  or  "num_hidden_layers": 32, }',
  },
  {
    code: 'kv-lens.unknown-layer-type',
    defaultSeverity: 'error',
    title: 'A layer_types entry transformers does not accept',
    why: 'transformers checks every layer_types entry against its own list (configuration_utils.ALLOWED_LAYER_TYPES) and refuses the config otherwise; a typo such as "full_attenton" would otherwise read as a layer with no cache. KV Lens gives no figure for such a config.',
    example: '"layer_types": ["full_attenton", "sliding_attention"]',
  },
  {
    code: 'kv-lens.empty-part',
    defaultSeverity: 'warning',
    title: 'An empty text_config (or llm_config, language_config)',
    why: 'An empty nested language-model config is usually a conversion left half done. Where the model type documents defaults for it (Gemma 3), transformers fills it with them; otherwise KV Lens reads the top-level fields instead and says so, rather than giving defaults for a model that has its own numbers.',
    example: '"text_config": {}, "num_attention_heads": 32',
  },
  // Config against weights (src/core/lint/weights.ts): run only when the config's folder holds safetensors headers.
  {
    code: 'kv-lens.weights-kv-heads',
    defaultSeverity: 'error',
    title: 'The KV heads disagree with the k_proj / v_proj (or fused qkv) weights',
    why: 'The checkpoint stores K and V projections of KV heads x head size rows; a config that says otherwise fails to load (a shape mismatch), or sizes the KV cache wrongly in engines that read the config: a hand-edited num_key_value_heads or a conversion that forgot it.',
    example: '"num_key_value_heads": 4 with model.layers.0.self_attn.k_proj.weight [256, 4096] and head_dim 128 (2 KV heads)',
    fix: 'Set the KV heads to what the weights hold (rows / head size).',
  },
  {
    code: 'kv-lens.weights-query-heads',
    defaultSeverity: 'error',
    title: 'The query heads disagree with the q_proj / o_proj weights',
    why: 'q_proj has query heads x head size rows and o_proj as many columns; another head count cannot load these weights.',
    example: '"num_attention_heads": 16, "head_dim": 128 with q_proj.weight [4096, 4096] (32 heads)',
    fix: 'Set the query heads to q_proj rows / head size, where head_dim is written.',
  },
  {
    code: 'kv-lens.weights-head-dim',
    defaultSeverity: 'error',
    title: 'The head size disagrees with the weights',
    why: 'Per-head norms (q_norm / k_norm) hold one value per head dimension and q_proj rows are heads x head size; a config whose head size (head_dim, or hidden_size / heads when it is not written) differs splits the projections wrongly.',
    example: '"head_dim": 64 with model.layers.0.self_attn.k_norm.weight [128]',
    fix: 'Set head_dim to the per-head norm size, where the config writes head_dim.',
  },
  {
    code: 'kv-lens.weights-hidden-size',
    defaultSeverity: 'error',
    title: 'hidden_size disagrees with the attention projections\' input width',
    why: 'Every attention projection takes hidden_size inputs ([out, in] for nn.Linear, [in, out] for GPT-2\'s Conv1D); a different hidden_size cannot load the checkpoint.',
    example: '"hidden_size": 4096 with q_proj.weight [4096, 2048]',
    fix: 'Set hidden_size to the projections\' input width.',
  },
  {
    code: 'kv-lens.weights-mla',
    defaultSeverity: 'error',
    title: 'MLA sizes disagree with kv_a_proj_with_mqa / kv_b_proj',
    why: 'Multi-head latent attention caches kv_lora_rank + qk_rope_head_dim values per token: the rows of kv_a_proj_with_mqa. kv_b_proj is [heads x (qk_nope_head_dim + v_head_dim), kv_lora_rank]. A config that disagrees misstates the cache and cannot load.',
    example: '"kv_lora_rank": 256 with kv_b_proj.weight [32768, 512]',
    fix: 'Set kv_lora_rank (or qk_rope_head_dim) to what the weights hold.',
  },
  {
    code: 'kv-lens.weights-layer-count',
    defaultSeverity: 'error',
    title: 'The layer count disagrees with the layers in the weights',
    why: 'The checkpoint holds layers 0 to N-1; a larger num_hidden_layers leaves layers randomly initialised, a smaller one drops trained layers, and the KV cache is costed for the wrong depth. MTP layers after the decoder (DeepSeek-V3) are allowed for.',
    example: '"num_hidden_layers": 30 with model.layers.0 to model.layers.31 in the weights',
    fix: 'Set the layer count to the number of layers in the weights.',
  },
  {
    code: 'kv-lens.weights-layer-types',
    defaultSeverity: 'warning',
    title: 'layer_types disagrees with which layers have attention weights',
    why: 'A layer listed as attention whose weights hold no attention projections (or a linear-attention / SSM layer that has them) is a layer list out of step with the checkpoint: the cache is costed for layers that do not exist.',
    example: '"layer_types": ["full_attention", "linear_attention", ...] with q_proj / k_proj only in layer 1',
  },
  {
    code: 'kv-lens.weights-tied-embeddings',
    defaultSeverity: 'warning',
    title: 'tie_word_embeddings disagrees with whether the weights hold lm_head',
    why: 'Tied, the output layer is the input embeddings and a stored lm_head.weight is replaced when loaded (the trained one is lost); untied with no lm_head.weight, the output layer is left randomly initialised.',
    example: '"tie_word_embeddings": false with no lm_head.weight in model.safetensors',
    fix: 'Set tie_word_embeddings to what the weights say.',
  },
] as const satisfies readonly LintRule[];

/** A rule code. */
export type LintCode = (typeof LINT_RULES)[number]['code'];

/** The rule for a code. */
export function ruleFor(code: LintCode): LintRule {
  const rule = (LINT_RULES as readonly LintRule[]).find((r) => r.code === code);
  if (!rule) throw new Error(`unknown lint rule ${code}`);
  return rule;
}
