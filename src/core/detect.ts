/**
 * Is this JSON a model config? Decided by content, so that tsconfig.json, package.json and VS Code's own
 * settings get nothing: a model config names its model (`model_type`, `architectures`) or its attention.
 */
import { MODEL_KEYS, NESTED_PARTS } from './vocabulary';
import type { ParsedConfig } from './parse';
import { getNodeValue } from 'jsonc-parser';

/** Cheap test on the parsed top level: one of the vocabulary's detecting keys with a plausible value. */
export function looksLikeModelConfig(parsed: ParsedConfig): boolean {
  const root = parsed.root;
  if (!root || root.type !== 'object') return false;
  for (const prop of root.children ?? []) {
    const key = prop.children?.[0]?.value;
    const value = prop.children?.[1];
    if (typeof key !== 'string' || !value || !MODEL_KEYS.has(key)) continue;
    if (key === 'model_type' && value.type === 'string') return true;
    if (key === 'architectures' && value.type === 'array') return true;
    if (NESTED_PARTS.includes(key) && value.type === 'object') return true;
    if (value.type === 'number' || value.type === 'string' || (value.type === 'null' && getNodeValue(value) === null)) {
      if (key !== 'model_type' && key !== 'architectures') return true;
    }
  }
  return false;
}

const KEY_PATTERN = new RegExp(`"(${[...MODEL_KEYS].join('|')})"\\s*:`);

/**
 * A text-level sniff before parsing: does the text mention any model-config key at all? It accepts every
 * document `looksLikeModelConfig` accepts (same key set), so nothing the core would analyse is skipped.
 */
export function mentionsModelKeys(text: string): boolean {
  return KEY_PATTERN.test(text);
}
