/**
 * HF transformers' defaults for fields a config may omit, by model type. KV-RULES: "missing fields fall back
 * to the library's defaults for that model type; say so". These are the config classes' constructor defaults
 * (e.g. `Gemma3TextConfig(num_attention_heads=8, num_key_value_heads=4, head_dim=256, ...)`), not facts about
 * any named checkpoint; every use is reported as defaulted.
 */

/** Defaults a config class applies when a field is absent. */
export interface TypeDefaults {
  queryHeads?: number;
  kvHeads?: number;
  headDim?: number;
  hiddenSize?: number;
  numLayers?: number;
  maxContext?: number;
  slidingWindow?: number;
  /** Every Nth layer is global, the rest sliding (`sliding_window_pattern`; Gemma 2 alternates: 2). */
  slidingPattern?: number;
  vocabSize?: number;
  /** The class name the defaults are taken from, for messages. */
  source: string;
}

const DEFAULTS: Record<string, TypeDefaults> = {
  gemma2: { queryHeads: 8, kvHeads: 4, headDim: 256, hiddenSize: 2304, numLayers: 26, maxContext: 8192, slidingWindow: 4096, slidingPattern: 2, vocabSize: 256000, source: 'Gemma2Config' },
  gemma3_text: { queryHeads: 8, kvHeads: 4, headDim: 256, hiddenSize: 2304, numLayers: 26, maxContext: 131072, slidingWindow: 4096, slidingPattern: 6, vocabSize: 262208, source: 'Gemma3TextConfig' },
  cohere2: { slidingWindow: 4096, slidingPattern: 4, maxContext: 8192, source: 'Cohere2Config' },
  falcon: { maxContext: 2048, source: 'FalconConfig' },
  llama: { queryHeads: 32, hiddenSize: 4096, numLayers: 32, maxContext: 2048, vocabSize: 32000, source: 'LlamaConfig' },
  mistral: { queryHeads: 32, kvHeads: 8, hiddenSize: 4096, numLayers: 32, maxContext: 4096 * 32, slidingWindow: 4096, vocabSize: 32000, source: 'MistralConfig' },
  gpt2: { maxContext: 1024, source: 'GPT2Config' },
};

/** Aliases transformers maps onto one config class (`RefinedWeb` loads as Falcon). */
const ALIASES: Record<string, string> = {
  RefinedWeb: 'falcon',
  RefinedWebModel: 'falcon',
  gemma3: 'gemma3_text',
};

/** The defaults for a model type, if KV Lens knows its config class. */
export function defaultsFor(modelType: string | undefined): TypeDefaults | undefined {
  if (!modelType) return undefined;
  return DEFAULTS[ALIASES[modelType] ?? modelType];
}
