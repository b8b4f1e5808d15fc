/**
 * The flat Python reprs engines print their settings in: vLLM's `non-default args: {'max_model_len': 2048, ...}`
 * and `with config: model='...', dtype=torch.bfloat16, ...`, SGLang's `server_args=ServerArgs(tp_size=1, ...)`.
 * Only top-level scalars are kept (strings, numbers, True / False / None, bare names); nested lists and dicts are
 * skipped whole (a one-element list of a scalar is kept as that scalar). Linear in the line; never throws.
 */

/** A scalar setting as printed. */
export type LogValue = string | number | boolean | null;

function scalar(tok: string): LogValue {
  if (tok === 'True') return true;
  if (tok === 'False') return false;
  if (tok === 'None') return null;
  if (/^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(tok)) return Number(tok);
  return tok;
}

/** Reads `key: value` (dict) or `key=value` (call / config) pairs from text. */
export function readPyPairs(text: string): Record<string, LogValue> {
  const out: Record<string, LogValue> = {};
  let i = 0;
  const n = text.length;
  const readString = (): string => {
    const q = text[i]!;
    i++;
    let s = '';
    while (i < n && text[i] !== q) {
      if (text[i] === '\\' && i + 1 < n) i++;
      s += text[i];
      i++;
    }
    i++;
    return s;
  };
  // Skips a bracketed value, returning the scalar inside when it is a one-scalar list.
  const skipNested = (): LogValue | undefined => {
    const start = i;
    let depth = 0;
    while (i < n) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        readString();
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
      i++;
    }
    const inner = text.slice(start + 1, i - 1).trim();
    const one = /^(['"])([^'"]*)\1$/.exec(inner);
    if (text[start] === '[' && one) return one[2]!;
    if (text[start] === '[' && /^-?\d+(?:\.\d+)?$/.test(inner)) return Number(inner);
    return undefined;
  };
  while (i < n) {
    // A key: a quoted string followed by ':' or a bare identifier followed by '='.
    const c = text[i]!;
    let key: string | undefined;
    if (c === '"' || c === "'") {
      const s = readString();
      while (text[i] === ' ') i++;
      if (text[i] === ':') {
        key = s;
        i++;
      } else continue;
    } else if (/[A-Za-z_]/.test(c) && (i === 0 || /[\s,({]/.test(text[i - 1]!))) {
      const m = /^[A-Za-z_][\w.]*/.exec(text.slice(i, i + 200));
      const name = m![0];
      i += name.length;
      if (text[i] === '=' && text[i + 1] !== '=') {
        key = name;
        i++;
      } else continue;
    } else {
      i++;
      continue;
    }
    while (text[i] === ' ') i++;
    const v = text[i];
    if (v === undefined) break;
    if (v === '"' || v === "'") out[key] = readString();
    else if (v === '[' || v === '{' || v === '(') {
      const inner = skipNested();
      if (inner !== undefined) out[key] = inner;
    } else {
      const m = /^[^,(){}\s]+/.exec(text.slice(i, i + 400));
      const tok = m ? m[0] : '';
      i += tok.length;
      // A call value (torch.bfloat16 is a name; Foo(x) is skipped).
      if (text[i] === '(') skipNested();
      else out[key] = scalar(tok);
    }
  }
  return out;
}
