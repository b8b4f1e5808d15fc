/**
 * One log line made readable for the recognisers: ANSI colour and cursor codes removed, the multi-process
 * prefixes vLLM and SGLang put in front (`(Worker_TP2 pid=344)`, `(EngineCore_DP0 pid=3817118)`,
 * `(APIServer pid=32)`, `[2025-11-10 22:36:04 TP0]`), quote markers of pasted logs (`> `) and the level /
 * timestamp / `[file.py:123]` header dropped, and the length capped so a hostile line costs bounded work.
 */

/** Longest line the recognisers look at; the rest of a longer line is dropped (and counted). */
export const MAX_LINE_CHARS = 8192;

/** A cleaned line and what was taken off it. */
export interface CleanLine {
  text: string;
  /** The process tag, when the line had one (`Worker_TP2`, `EngineCore_DP0`, `TP0`). */
  process?: string;
  truncated: boolean;
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
const PROCESS = /^\(([A-Za-z][\w-]*)(?: pid=\d+)?\)\s*/;
const VLLM_HEADER = /^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?\s+\[[^\]]*\]\s*/;
const SGLANG_HEADER = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: ([A-Z]{1,4}\d+(?: [A-Z]{1,4}\d+)*))?\]\s*/;

/** Cleans one raw line (without its line break). */
export function cleanLine(raw: string): CleanLine {
  const truncated = raw.length > MAX_LINE_CHARS;
  let s = (truncated ? raw.slice(0, MAX_LINE_CHARS) : raw).replace(ANSI, '').replace(/\r$/, '');
  let process: string | undefined;
  // A pasted log's quote markers, then the process prefix, then the level / time header.
  s = s.replace(/^(?:>\s?)+/, '');
  const p = PROCESS.exec(s);
  if (p) {
    process = p[1];
    s = s.slice(p[0].length);
  }
  const v = VLLM_HEADER.exec(s);
  if (v) s = s.slice(v[0].length);
  const g = SGLANG_HEADER.exec(s);
  if (g) {
    if (g[1]) process ??= g[1];
    s = s.slice(g[0].length);
  }
  return { text: s.trim(), ...(process ? { process } : {}), truncated };
}
