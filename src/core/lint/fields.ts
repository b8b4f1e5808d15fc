/**
 * The attention fields lint rules and hovers look at, with every alias KV-RULES.md lists, and helpers to
 * read one object of the document (the top level or the language-model part) as raw JSON values.
 * Pure: no `vscode`, no `node:` imports.
 */
import { getNodeValue } from 'jsonc-parser';
import { nodeAt, pathToString } from '../parse';
import type { ParsedConfig } from '../parse';
import { aliasKeys, aliasPaths } from '../vocabulary';
import { selectPart } from '../normalise';
import type { Quantity as VocabularyQuantity } from '../vocabulary';
import type { JsonPath, ModelDescription } from '../types';

/** The quantities lint checks as sizes (positive integers, aliases that agree). */
export type Quantity = Exclude<VocabularyQuantity, 'stateSize'>;

/** Field names per quantity, in the vocabulary's read order. Paths are relative to a part. */
export const ALIASES: Record<Quantity, JsonPath[]> = {
  queryHeads: aliasPaths('queryHeads'),
  kvHeads: aliasPaths('kvHeads'),
  hiddenSize: aliasPaths('hiddenSize'),
  headDim: aliasPaths('headDim'),
  numLayers: aliasPaths('numLayers'),
  maxContext: aliasPaths('maxContext'),
  slidingWindow: aliasPaths('slidingWindow'),
};

/** Quantities whose aliases, when two are written, must agree (maxContext's names mean different things). */
export const ALIAS_GROUPS_THAT_MUST_AGREE: Quantity[] = ['queryHeads', 'kvHeads', 'hiddenSize', 'headDim', 'numLayers', 'slidingWindow'];

/** MLA and other per-layer size fields that must be positive integers when written (null allowed). */
export const OTHER_SIZE_FIELDS: string[] = [
  // The state size of SSM layers: a vocabulary quantity, checked as a size but not an attention alias group.
  ...aliasKeys('stateSize'),
  'kv_lora_rank',
  'q_lora_rank',
  'qk_rope_head_dim',
  'qk_nope_head_dim',
  'v_head_dim',
  'num_global_key_value_heads',
  'global_head_dim',
  'swa_num_attention_heads',
  'swa_num_key_value_heads',
  'swa_head_dim',
  'swa_v_head_dim',
  'num_decoder_layers',
  'encoder_layers',
  'full_attention_interval',
  'linear_num_key_heads',
  'linear_num_value_heads',
  'linear_key_head_dim',
  'linear_value_head_dim',
];

/** Quantities for which `null` is not a way of saying "use the default" in any config class we know. */
export const NULL_NOT_ALLOWED: Quantity[] = ['queryHeads', 'hiddenSize', 'numLayers'];

/** The dtype field names; transformers renamed `torch_dtype` to `dtype` (4.56). */
export const DTYPE_FIELDS = ['torch_dtype', 'dtype'] as const;

/** A field as written in the document. */
export interface RawField {
  /** Absolute path in the document. */
  path: JsonPath;
  /** Dotted name (`text_config.num_key_value_heads`). */
  name: string;
  value: unknown;
  /** The value's text as written (`8.0`, `1e309`), for judging and quoting it as the file has it. */
  written: string;
}

/** Reads raw values from one object of the document. */
export class RawObject {
  constructor(
    readonly parsed: ParsedConfig,
    readonly base: JsonPath,
  ) {}

  /** The value at a relative path, undefined when absent (`null` stays `null`). */
  get(rel: JsonPath): RawField | undefined {
    const path = [...this.base, ...rel];
    const node = nodeAt(this.parsed, path);
    if (!node) return undefined;
    return { path, name: pathToString(path), value: getNodeValue(node), written: this.parsed.text.slice(node.offset, node.offset + node.length) };
  }

  /** Every alias of a quantity that is written here, in preference order. */
  all(q: Quantity): RawField[] {
    const out: RawField[] = [];
    for (const rel of ALIASES[q]) {
      const f = this.get(rel);
      if (f) out.push(f);
    }
    return out;
  }

  /** The first alias of a quantity holding a positive integer. */
  positive(q: Quantity): (RawField & { value: number }) | undefined {
    for (const f of this.all(q)) if (isPositiveInt(f.value)) return f as RawField & { value: number };
    return undefined;
  }

  /** True when this object exists and is a JSON object. */
  exists(): boolean {
    return nodeAt(this.parsed, this.base)?.type === 'object' || (this.base.length === 0 && this.parsed.root?.type === 'object');
  }
}

/** A positive safe integer. */
export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/**
 * The part of the document that holds the language model: the normaliser's choice when there is a model,
 * else (the normaliser gave up) the part the normaliser would have read, by its own choice (selectPart).
 */
export function languagePart(parsed: ParsedConfig, model: ModelDescription | undefined): JsonPath {
  return model ? model.partPath : selectPart(parsed).reader.base;
}

/** The dotted name of a path, for matching against `Derived.from`. */
export function dotted(path: JsonPath): string {
  return pathToString(path);
}

/** Normalises a torch dtype spelling for comparison: `torch.float16`, `half`, `fp16` -> `float16`. */
export function normaliseDtype(s: string): string {
  const t = s.trim().toLowerCase().replace(/^torch\./, '');
  const map: Record<string, string> = {
    half: 'float16',
    fp16: 'float16',
    float16: 'float16',
    bf16: 'bfloat16',
    bfloat16: 'bfloat16',
    float: 'float32',
    fp32: 'float32',
    float32: 'float32',
    double: 'float64',
    float64: 'float64',
  };
  return map[t] ?? t;
}

/** Model types whose transformers config/modelling code never reads `sliding_window` (a window there is ignored). */
export const IGNORES_SLIDING_WINDOW = new Set([
  'llama',
  'gpt2',
  'gpt_bigcode',
  'gpt_neox',
  'falcon',
  'bert',
  't5',
  'opt',
  'bloom',
  'mpt',
  'phi',
  'deepseek_v2',
  'deepseek_v3',
  'kimi_k2',
  'chatglm',
  'mamba',
  'mamba2',
]);
