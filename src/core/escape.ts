/**
 * Terminal safety: the one escaper for every string printed to a terminal that came from a file or a file name
 * (the CLI, the benchmark report), and the one way to turn any config value into text (displayValue).
 * A config (or a folder of them) is untrusted input; printed raw, its strings could clear the screen, set the
 * title, recolour the output, hide or reorder text (bidi overrides) or forge lines. Shown escaped instead:
 *
 *   C0 controls U+0000-U+001F   \x1b  (\t \n \r for those three)
 *   DEL U+007F, C1 U+0080-U+009F \x7f \x9b
 *   bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069),
 *   line and paragraph separators (U+2028, U+2029), and lone surrogates   \u202e
 *
 * An ANSI escape sequence is harmless once its ESC (or its C1 introducer) is shown as text. Backslashes are
 * left as they are, so Windows paths stay readable. Pure: no Node, no vscode.
 */

/** Every code unit shown escaped (lone surrogates are handled apart). */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A value quoted in a message: at most `max` characters (an ellipsis past them), then escaped. */
export function shortText(s: string, max = 40): string {
  return escapeText(s.length > max ? `${s.slice(0, max - 3)}...` : s);
}

/** One value (a file name, a model_type, a message) safe for a terminal: every unsafe character escaped, newlines too. */
export function escapeText(s: string): string {
  return s.replace(UNSAFE, visible);
}

/** Whole output text safe for a terminal: as {@link escapeText} but line breaks kept. The last net at the print layer. */
export function escapeLines(s: string): string {
  return s.replace(UNSAFE_BUT_NEWLINE, visible);
}

/**
 * JSON text safe for a terminal and still the same JSON: `JSON.stringify` escapes C0 but leaves DEL, C1 and the
 * bidi controls raw; they are written as \u escapes, which every JSON parser reads back to the same string.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(UNSAFE_BUT_NEWLINE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Any value from a config as short text, never throwing: strings as they are, numbers and booleans as written by
 * String(), null-prototype objects and arrays as JSON (where `String()` would throw or say "[object Object]").
 * The result is not escaped: pass it through {@link escapeText}.
 */
export function displayValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'undefined':
      return '-';
    case 'symbol':
      return v.description ?? 'symbol';
    case 'function':
      return 'function';
    default:
      if (v === null) return 'null';
      try {
        return JSON.stringify(v) ?? Object.prototype.toString.call(v);
      } catch {
        return Object.prototype.toString.call(v);
      }
  }
}
