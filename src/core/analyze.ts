/**
 * The one entry point every surface calls: text in, everything KV Lens knows out. Never throws.
 */
import { normalise, NotAModelConfig } from './normalise';
import { parseConfig } from './parse';
import type { ParsedConfig } from './parse';
import { looksLikeModelConfig } from './detect';
import type { ModelDescription } from './types';

/** The result of analysing one document. */
export interface Analysis {
  parsed: ParsedConfig;
  /** The content says it is a model config (model_type, architectures, attention fields). */
  isModelConfig: boolean;
  /** The document is JSON with comments (a .jsonc file): comments and trailing commas are allowed in it. */
  jsonc: boolean;
  /** Absent when the text is not a model config or has no attention to describe; `error` says why. */
  model?: ModelDescription;
  error?: string;
}

/** How the text is read. */
export interface AnalyzeOptions {
  /** JSON with comments (a .jsonc document): comments and trailing commas are not findings. Default: plain JSON. */
  jsonc?: boolean;
}

/** Parses, detects and normalises. Safe on any input. */
export function analyzeText(text: string, options: AnalyzeOptions = {}): Analysis {
  const parsed = parseConfig(text);
  const jsonc = options.jsonc === true;
  if (!parsed.root || parsed.root.type !== 'object') {
    const first = parsed.problems.find((p) => !p.tolerated);
    return { parsed, jsonc, isModelConfig: false, error: first ? `not valid JSON: ${first.message}` : 'the file is not a JSON object' };
  }
  const isModelConfig = looksLikeModelConfig(parsed);
  if (!isModelConfig) return { parsed, jsonc, isModelConfig, error: 'not a model config: no model_type, architectures or attention fields' };
  try {
    return { parsed, jsonc, isModelConfig, model: normalise(parsed) };
  } catch (e) {
    if (e instanceof NotAModelConfig) return { parsed, jsonc, isModelConfig, error: e.message };
    // A bug in KV Lens, not in the file: say so rather than lose the document's other features.
    return { parsed, jsonc, isModelConfig, error: `KV Lens could not analyse this config: ${e instanceof Error ? e.message : String(e)}` };
  }
}
