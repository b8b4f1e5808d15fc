/**
 * What a start-up log says, as read line by line: the engine and version, the settings it printed, the model it
 * loaded, the shape llama.cpp prints (`print_info: n_head_kv = 8`), and every KV figure with its unit and the
 * rounding it was printed with. Pure types.
 */
import type { LogValue } from './pyLiteral';

/** Engines the reader recognises (ik_llama.cpp is a llama.cpp fork with its own line names). */
export type LogEngine = 'vllm' | 'sglang' | 'llama.cpp' | 'ik_llama.cpp' | 'trtllm';

/** One figure as the log printed it. */
export interface LoggedFigure {
  /** Stable name: `kv.size`, `swa.cells`, `recurrent.S`, `gpu_kv_cache_tokens`, `max_concurrency`, `k_size` ... */
  name: string;
  value: number;
  unit: 'MiB' | 'GiB' | 'GB' | 'tokens' | 'cells' | 'blocks' | 'x' | '%' | 'layers';
  /** Half of the last printed digit: the log's own rounding (0.005 for "%.2f"; 0 for integers). */
  rounding: number;
  /** 1-based line number in the file. */
  line: number;
}

/** One start-up of one engine in the file. */
export interface StartUp {
  engine?: LogEngine;
  version?: string;
  /** The model as the log names it: a path or a Hub id. */
  model?: string;
  /** general.name / architecture when llama.cpp prints them. */
  modelName?: string;
  architecture?: string;
  /** Settings as printed (names as the engine spells them). */
  settings: Record<string, LogValue>;
  /** llama.cpp hparams (`print_info:` / `llm_load_print_meta:`): numbers, or per-layer arrays. */
  hparams: Record<string, number | number[]>;
  figures: LoggedFigure[];
  firstLine: number;
  lastLine: number;
  /** Lines the recognisers used (for "what was read" on an unknown log). */
  recognised: number;
}

/** The whole file's reading. */
export interface LogReading {
  startUps: StartUp[];
  lines: number;
  /** Lines longer than MAX_LINE_CHARS (only their start was read). */
  longLines: number;
  /** Why reading stopped before the end, when it did. */
  stoppedEarly?: string;
}
