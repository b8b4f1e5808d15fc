/**
 * Parsing with source offsets. jsonc-parser tolerates comments and trailing commas, never throws,
 * and gives every key and value an offset, which hovers, diagnostics and quick fixes all need.
 */
import { SyntaxKind, createScanner, findNodeAtLocation, findNodeAtOffset, getNodePath, getNodeValue, parseTree, printParseErrorCode, visit } from 'jsonc-parser';
import type { Node, ParseError, ParseOptions } from 'jsonc-parser';
import type { JsonPath, SourceRange, SyntaxProblem } from './types';

/**
 * Documents past this size are read in outline: objects and lists under keys KV Lens does not read (a giant
 * `id2label`, tokenizer tables) become empty placeholder nodes with their true ranges, so a 50 MB config
 * costs a scan rather than a tree of millions of nodes. Syntax errors inside skipped parts are not reported.
 */
export const OUTLINE_THRESHOLD = 1024 * 1024;

/** Containers that hold attention fields: always read in full. */
const READ_CONTAINERS = new Set([
  'text_config', 'llm_config', 'language_config', 'language_model_config', 'text_model_config', 'attn_config',
  'quantization_config', 'kv_cache_scheme', 'block_configs', 'attention', 'ffn', 'layer_types', 'architectures',
  'hybrid_layer_pattern', 'sliding_window_layout', 'attn_type_list', 'layers_block_type', 'compress_ratios',
  'moe_layer_freq', 'mlp_only_layers', 'rope_scaling', 'rope_parameters',
]);

/**
 * Deeper documents are refused before they are parsed: no recursion anywhere (parser, value materialisation,
 * the rules) may run out of stack. Python's json gives up near the same depth (its recursion limit, ~1,000).
 */
export const MAX_DEPTH = 1000;

/** A key written more than once in one object: Python's json (so transformers) keeps the last value. */
export interface DuplicateKey {
  /** Path of the object holding the key. */
  object: JsonPath;
  key: string;
  /** Where each earlier (ignored) occurrence's key is. */
  ignored: SourceRange[];
  /** Where the occurrence that counts is. */
  used: SourceRange;
}

/** Syntax Python's json or jsonc-parser accept but a strict JSON parser (JSON.parse, jq, serde_json) rejects. */
export interface NonStandardSyntax {
  kind: 'nonfinite' | 'comment' | 'trailing-comma';
  /** The token as written (`NaN`, `-Infinity`, `// ...`, `,`). */
  token: string;
  range: SourceRange;
}

/** A parsed document: the tree (absent only when nothing could be read), its problems, and position helpers. */
export interface ParsedConfig {
  text: string;
  root: Node | undefined;
  problems: SyntaxProblem[];
  /** Keys written twice in one object, at any depth (the tree holds only the last of each). */
  duplicates: DuplicateKey[];
  /** Non-finite numbers, comments and trailing commas, in document order. */
  nonStandard: NonStandardSyntax[];
  /** Offsets at which each line starts, for line/column conversion (computed on first read). */
  readonly lineStarts: number[];
  /** True when the document was read in outline (see OUTLINE_THRESHOLD). */
  outline: boolean;
}

const PARSE_OPTIONS: ParseOptions = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true };

/** Parses a config's text; never throws, and costs time and memory bounded by the text's length. */
export function parseConfig(text: string): ParsedConfig {
  const errors: ParseError[] = [];
  // A UTF-8 byte-order mark is legal at the start of a file; jsonc-parser would call it an invalid symbol.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const outline = text.length > OUTLINE_THRESHOLD;
  const blanked = outline ? blankSkippedValues(bom ? ' ' + text.slice(1) : text) : bom ? ' ' + text.slice(1) : text;
  const depth = nestingDepth(blanked);
  if (depth > MAX_DEPTH) {
    const message = `The document is nested ${depth.toLocaleString('en-US')} levels deep; KV Lens reads at most ${MAX_DEPTH.toLocaleString('en-US')} (Python's json gives up near there too)`;
    return withLazyLines({ text, root: undefined, outline, duplicates: [], nonStandard: [], problems: [{ message, range: { offset: 0, length: 1 }, line: 0, column: 0, tolerated: false }] });
  }
  const { body, nonStandard, nan } = readNonStandard(blanked);
  let root: Node | undefined;
  try {
    root = outline ? parseOutline(body, errors) : parseTree(body, errors, PARSE_OPTIONS);
  } catch (e) {
    // The last net under the depth check: should the parser still recurse too deep, say so rather than throw.
    if (!(e instanceof RangeError)) throw e;
    return withLazyLines({ text, root: undefined, outline, duplicates: [], nonStandard, problems: [{ message: 'The document is nested too deeply to read', range: { offset: 0, length: 1 }, line: 0, column: 0, tolerated: false }] });
  }
  if (root && nan.size > 0) restoreNaN(root, nan);
  const duplicates = root ? dedupeKeys(root) : [];
  // Line starts cost a pass over the text: made on first use (a syntax error, a diagnostic, a CLI line number).
  let lines: number[] | undefined;
  const lineStarts = () => (lines ??= computeLineStarts(text));
  const problems = errors.map((e): SyntaxProblem => {
    const { line, column } = positionAt(lineStarts(), e.offset);
    return {
      message: `${describeParseError(printParseErrorCode(e.error))} at line ${line + 1}, column ${column + 1}`,
      range: { offset: e.offset, length: Math.max(1, e.length) },
      line,
      column,
      tolerated: false,
    };
  });
  for (const n of nonStandard) {
    if (n.kind !== 'nonfinite') continue;
    const { line, column } = positionAt(lineStarts(), n.range.offset);
    problems.push({ message: `${n.token} is not standard JSON (Python writes it for a non-finite float); read as ${n.token}`, range: n.range, line, column, tolerated: true });
  }
  problems.sort((a, b) => a.range.offset - b.range.offset);
  return withLazyLines({ text, root, problems, outline, duplicates, nonStandard }, lines);
}

/** The deepest nesting of objects and lists, outside strings (and comments); one pass, no recursion. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // As jsonc-parser's scanner reads a string: it ends at its closing quote, or unterminated at a line break.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
        else if (d === 10 || d === 13) {
          i--;
          break;
        }
      }
    } else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) {
      if (depth > 0) depth--;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 1;
    }
  }
  return max;
}

/** Quick test for text that may hold non-standard syntax; only then is the whole text scanned. */
const MAYBE_NON_STANDARD = /NaN|Infinity|\/[/*]|,\s*[}\]]/;

/**
 * Finds non-finite numbers (Python's NaN, Infinity, -Infinity), comments and trailing commas with jsonc-parser's
 * scanner, outside strings. Non-finite numbers are replaced by number literals of the same length, so the parser
 * reads a number at the same offsets: `Infinity` -> `1e999999` (which is Infinity), `NaN` -> `0e0`, its node's
 * value restored to NaN after parsing (offsets in `nan`).
 */
function readNonStandard(text: string): { body: string; nonStandard: NonStandardSyntax[]; nan: Set<number> } {
  const nonStandard: NonStandardSyntax[] = [];
  const nan = new Set<number>();
  if (!MAYBE_NON_STANDARD.test(text)) return { body: text, nonStandard, nan };
  const scanner = createScanner(text, false);
  const edits: [number, string][] = [];
  let pendingComma: NonStandardSyntax | undefined;
  let minus: number | undefined;
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    const offset = scanner.getTokenOffset();
    const length = scanner.getTokenLength();
    if (kind === SyntaxKind.Trivia || kind === SyntaxKind.LineBreakTrivia) continue;
    if (kind === SyntaxKind.LineCommentTrivia || kind === SyntaxKind.BlockCommentTrivia) {
      nonStandard.push({ kind: 'comment', token: text.slice(offset, offset + Math.min(length, 40)), range: { offset, length } });
      continue;
    }
    if ((kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) && pendingComma) nonStandard.push(pendingComma);
    pendingComma = kind === SyntaxKind.CommaToken ? { kind: 'trailing-comma', token: ',', range: { offset, length: 1 } } : undefined;
    const token = scanner.getTokenValue();
    if (kind === SyntaxKind.Unknown && token === '-') {
      minus = offset;
      continue;
    }
    if (kind === SyntaxKind.Unknown && (token === 'Infinity' || token === 'NaN')) {
      const negative = minus !== undefined && minus + 1 === offset && token === 'Infinity';
      const start = negative ? minus! : offset;
      nonStandard.push({ kind: 'nonfinite', token: negative ? '-Infinity' : token, range: { offset: start, length: offset + length - start } });
      if (token === 'NaN') {
        edits.push([offset, '0e0']);
        nan.add(offset);
      } else edits.push([start, negative ? '-1e999999' : '1e999999']);
    }
    minus = undefined;
  }
  nonStandard.sort((a, b) => a.range.offset - b.range.offset);
  if (edits.length === 0) return { body: text, nonStandard, nan };
  let body = '';
  let last = 0;
  for (const [at, replacement] of edits) {
    body += text.slice(last, at) + replacement;
    last = at + replacement.length;
  }
  return { body: body + text.slice(last), nonStandard, nan };
}

/** Walks every node once, without recursion (depth is bounded, but a stack of arrays costs nothing). */
function forEachNode(root: Node, visit: (node: Node) => void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    if (node.children) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
}

/** Sets the NaN literals (parsed from their `0e0` stand-ins) back to NaN. */
function restoreNaN(root: Node, offsets: ReadonlySet<number>): void {
  forEachNode(root, (node) => {
    if (node.type === 'number' && offsets.has(node.offset)) (node as { value: unknown }).value = NaN;
  });
}

/**
 * Keeps only the last property of each key in every object, as Python's json does (a tree with both would let
 * a lookup find the first), and reports the ones dropped. Keys compare decoded (`"a\u005fb"` is `a_b`).
 */
function dedupeKeys(root: Node): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  forEachNode(root, (node) => {
    if (node.type !== 'object' || !node.children || node.children.length < 2) return;
    const last = new Map<string, number>();
    node.children.forEach((prop, i) => {
      const key = prop.children?.[0]?.value;
      if (typeof key === 'string') last.set(key, i);
    });
    if (last.size === node.children.length) return;
    const ignored = new Map<string, SourceRange[]>();
    const kept = node.children.filter((prop, i) => {
      const keyNode = prop.children?.[0];
      const key = keyNode?.value;
      if (typeof key !== 'string' || last.get(key) === i) return true;
      const list = ignored.get(key) ?? [];
      list.push({ offset: keyNode!.offset, length: keyNode!.length });
      ignored.set(key, list);
      return false;
    });
    const object = getNodePath(node);
    for (const [key, ranges] of ignored) {
      const usedKey = node.children[last.get(key)!]!.children![0]!;
      found.push({ object, key, ignored: ranges, used: { offset: usedKey.offset, length: usedKey.length } });
    }
    (node as { children: Node[] }).children = kept;
  });
  return found.sort((a, b) => a.ignored[0]!.offset - b.ignored[0]!.offset);
}

/** Adds `lineStarts`, computed once on first read. */
function withLazyLines(p: Omit<ParsedConfig, 'lineStarts'>, known?: number[]): ParsedConfig {
  let lines = known;
  return Object.defineProperty(p, 'lineStarts', { enumerable: true, get: () => (lines ??= computeLineStarts(p.text)) }) as ParsedConfig;
}

/** Skipped top-level values at least this long are blanked before the visitor sees them. */
const BLANK_MIN = 64 * 1024;

/**
 * The visitor still tokenises what it skips. For the few huge top-level values KV Lens does not read (a giant
 * `id2label`), a plain character loop finds their extent and their insides are replaced by a placeholder of the same
 * length, so every offset stays true and the tokenizer reads one string token there. Any surprise (an
 * unterminated string, unbalanced brackets) leaves the text as it is.
 */
export function blankSkippedValues(text: string): string {
  const spans: [number, number][] = [];
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else if (c === 47 && text.charCodeAt(i + 1) === 47) { const e = text.indexOf('\n', i); i = e < 0 ? n : e + 1; }
      else if (c === 47 && text.charCodeAt(i + 1) === 42) { const e = text.indexOf('*/', i + 2); if (e < 0) return false; i = e + 2; }
      else return true;
    }
  };
  /** From an opening quote, past the closing one; false when the string never ends. */
  const skipString = (): boolean => {
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 92) i++;
      else if (c === 34) { i++; return true; }
    }
    return false;
  };
  /** From an opening bracket, past its matching close; false on imbalance. */
  const skipContainer = (): boolean => {
    let depth = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) { if (!skipString()) return false; continue; }
      if (c === 47 && (text.charCodeAt(i + 1) === 47 || text.charCodeAt(i + 1) === 42)) { if (!skipSpace()) return false; continue; }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) { depth--; if (depth === 0) { i++; return true; } if (depth < 0) return false; }
      i++;
    }
    return false;
  };
  if (!skipSpace() || text.charCodeAt(i) !== 123) return text;
  i++;
  while (i < n) {
    if (!skipSpace()) return text;
    const c = text.charCodeAt(i);
    if (c === 125) break;
    if (c === 44) { i++; continue; }
    if (c !== 34) return text;
    const keyStart = i + 1;
    if (!skipString()) return text;
    const key = decodeKey(text.slice(keyStart, i - 1));
    if (key === undefined) return text;
    if (!skipSpace() || text.charCodeAt(i) !== 58) return text;
    i++;
    if (!skipSpace()) return text;
    const v = text.charCodeAt(i);
    if (v === 123 || v === 91) {
      const start = i;
      if (!skipContainer()) return text;
      if (i - start >= BLANK_MIN && !READ_CONTAINERS.has(key)) spans.push([start + 1, i - 1]);
    } else if (v === 34) {
      if (!skipString()) return text;
    } else {
      while (i < n && !',}\n\r \t/'.includes(text[i]!)) i++;
    }
  }
  if (spans.length === 0) return text;
  let out = '';
  let last = 0;
  for (const [a, b] of spans) {
    // One long string token of the same length (an object gets it as a key): jsonc-parser's scanner takes a
    // string in one slice, whereas it builds whitespace up character by character.
    const object = text.charCodeAt(a - 1) === 123;
    out += text.slice(last, a) + (object ? `"${'x'.repeat(b - a - 4)}":0` : `"${'x'.repeat(b - a - 2)}"`);
    last = b;
  }
  return out + text.slice(last);
}

/** A key's text as the parser reads it (escapes decoded: `text\u005fconfig` is `text_config`); undefined when malformed. */
function decodeKey(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    const key: unknown = JSON.parse(`"${raw}"`);
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Mutable node while the outline is built (jsonc-parser's Node is read-only). */
type Building = { -readonly [K in keyof Node]: Node[K] } & { children?: Building[]; parent?: Building };

/**
 * Builds the tree like jsonc-parser's parseTree, but tells the visitor to skip the children of containers under
 * keys outside READ_CONTAINERS; each skipped container keeps its node and its range.
 */
function parseOutline(text: string, errors: ParseError[]): Node | undefined {
  const top: Building = { type: 'array', offset: -1, length: -1, children: [] };
  let current: Building = top;
  const closeProperty = (end: number) => {
    if (current.type === 'property') {
      current.length = end - current.offset;
      current = current.parent!;
    }
  };
  const add = (node: Building) => {
    node.parent = current;
    current.children!.push(node);
    return node;
  };
  const skip = (): boolean => {
    if (current.type !== 'property') return false;
    const key = current.children?.[0]?.value;
    return typeof key === 'string' && !READ_CONTAINERS.has(key);
  };
  const begin = (type: 'object' | 'array') => (offset: number) => {
    const skipped = skip();
    current = add({ type, offset, length: -1, children: [] });
    return skipped ? false : undefined;
  };
  const end = (offset: number, length: number) => {
    closeProperty(offset + length);
    current.length = offset + length - current.offset;
    current = current.parent!;
    closeProperty(offset + length);
  };
  visit(text, {
    onObjectBegin: begin('object'),
    onArrayBegin: begin('array'),
    onObjectEnd: end,
    onArrayEnd: end,
    onObjectProperty: (name, offset, length) => {
      current = add({ type: 'property', offset, length: -1, children: [] });
      add({ type: 'string', value: name, offset, length });
    },
    onLiteralValue: (value: unknown, offset, length) => {
      add({ type: value === null ? 'null' : typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean', value, offset, length });
      closeProperty(offset + length);
    },
    onSeparator: (sep, offset) => {
      if (current.type === 'property') {
        if (sep === ':') current.colonOffset = offset;
        else if (sep === ',') closeProperty(offset);
      }
    },
    onError: (error, offset, length) => {
      errors.push({ error, offset, length });
    },
  }, PARSE_OPTIONS);
  const root = top.children![0];
  if (root) delete root.parent;
  return root as Node | undefined;
}

function describeParseError(code: string): string {
  switch (code) {
    case 'InvalidSymbol': return 'Invalid symbol';
    case 'InvalidNumberFormat': return 'Invalid number';
    case 'PropertyNameExpected': return 'Property name expected';
    case 'ValueExpected': return 'Value expected';
    case 'ColonExpected': return 'Colon expected';
    case 'CommaExpected': return 'Comma expected';
    case 'CloseBraceExpected': return 'Closing brace expected';
    case 'CloseBracketExpected': return 'Closing bracket expected';
    case 'EndOfFileExpected': return 'End of file expected';
    case 'UnexpectedEndOfString': return 'Unterminated string';
    case 'UnexpectedEndOfComment': return 'Unterminated comment';
    default: return code.replace(/([a-z])([A-Z])/g, '$1 $2');
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Zero-based line and column of an offset. */
export function positionAt(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: offset - (lineStarts[lo] ?? 0) };
}

/** The node at a path, or undefined. */
export function nodeAt(parsed: ParsedConfig, path: JsonPath): Node | undefined {
  return parsed.root ? findNodeAtLocation(parsed.root, path) : undefined;
}

/** The plain value at a path (objects and arrays materialised), or undefined. */
export function valueAt(parsed: ParsedConfig, path: JsonPath): unknown {
  const node = nodeAt(parsed, path);
  return node ? getNodeValue(node) : undefined;
}

/** True when the object at `path` has the property `key` (even when its value is null). */
export function hasKey(parsed: ParsedConfig, path: JsonPath, key: string): boolean {
  return propertyNode(parsed, [...path, key]) !== undefined;
}

/** The property node (key + value) for a path ending in a key, or undefined. */
export function propertyNode(parsed: ParsedConfig, path: JsonPath): Node | undefined {
  const value = nodeAt(parsed, path);
  return value?.parent?.type === 'property' ? value.parent : undefined;
}

/** The range of the value at a path; falls back to the nearest existing ancestor, then the document start. */
export function rangeOf(parsed: ParsedConfig, path: JsonPath): SourceRange {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(parsed, path.slice(0, n));
    if (node) return { offset: node.offset, length: node.length };
  }
  return { offset: 0, length: 0 };
}

/** A top-level value a document read in outline left unexpanded: its key, where the key is, and its length. */
export interface SkippedValue {
  key: string;
  keyRange: SourceRange;
  length: number;
}

/** The top-level objects and lists an outline read did not expand, largest first (none for a full read). */
export function skippedValues(parsed: ParsedConfig): SkippedValue[] {
  if (!parsed.outline || parsed.root?.type !== 'object') return [];
  const out: SkippedValue[] = [];
  for (const prop of parsed.root.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (!key || !value || typeof key.value !== 'string' || READ_CONTAINERS.has(key.value)) continue;
    // An unread container is an empty placeholder spanning its true extent; `{}` and `[]` span two characters.
    if ((value.type === 'object' || value.type === 'array') && (value.children?.length ?? 0) === 0 && value.length > 2) {
      out.push({ key: key.value, keyRange: { offset: key.offset, length: key.length }, length: value.length });
    }
  }
  return out.sort((a, b) => b.length - a.length);
}

/** The range of the key of a property at a path (for "remove this field" fixes and key hovers). */
export function keyRangeOf(parsed: ParsedConfig, path: JsonPath): SourceRange | undefined {
  const prop = propertyNode(parsed, path);
  const key = prop?.children?.[0];
  return key ? { offset: key.offset, length: key.length } : undefined;
}

/** What sits at an offset: the JSON path, and whether the offset is on a key or a value. */
export interface Location {
  path: JsonPath;
  onKey: boolean;
  node: Node;
}

/** Finds the property key or value under an offset (for hovers). */
export function locate(parsed: ParsedConfig, offset: number): Location | undefined {
  if (!parsed.root) return undefined;
  const node = findNodeAtOffset(parsed.root, offset, true);
  if (!node) return undefined;
  const parent = node.parent;
  if (parent?.type === 'property' && parent.children?.[0] === node) {
    const valueNode = parent.children[1];
    const path = valueNode ? getNodePath(valueNode) : [...getNodePath(parent), node.value as string];
    return { path, onKey: true, node };
  }
  return { path: getNodePath(node), onKey: false, node };
}

/** Dotted form of a path for messages: `text_config.layer_types[3]`. */
export function pathToString(path: JsonPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** A zero-based line/column range, as VS Code's `Range` takes it. */
export interface LineRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/** Converts an offset range to lines and columns, using the parse's line starts. */
export function toLineRange(lineStarts: number[], range: SourceRange): LineRange {
  const start = positionAt(lineStarts, range.offset);
  const end = positionAt(lineStarts, range.offset + Math.max(0, range.length));
  return { startLine: start.line, startCharacter: start.column, endLine: end.line, endCharacter: end.column };
}
