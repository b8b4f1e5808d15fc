/**
 * The fuzz harness's own view of a config's text: jsonc-parser's tree with offsets, walked without recursion,
 * and text edits that report where their insertions landed. Used only to choose mutation targets and to build
 * reference texts; what KV Lens reads is always asked of KV Lens itself.
 */
import { parseTree } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';
import { NESTED_PARTS, VOCABULARY } from '../../src/core/vocabulary';
import type { Quantity } from '../../src/core/vocabulary';

export type Path = (string | number)[];
export type Rand = () => number;

export const pick = <T>(xs: readonly T[], next: Rand): T => xs[Math.floor(next() * xs.length)]!;
/** A whole number in [lo, hi]. */
export const between = (lo: number, hi: number, next: Rand): number => lo + Math.floor(next() * (hi - lo + 1));

/** A parsed text as the harness sees it. */
export interface Doc {
  text: string;
  root: Node | undefined;
  /** Parsed without any syntax error (comments, trailing commas and Python's NaN / Infinity allowed). */
  clean: boolean;
  /** Every node, in document order. */
  nodes: Node[];
  /** The deepest nesting of objects and lists. */
  depth: number;
  /** Properties a later property of the same key in the same object overrides (Python's json keeps the last). */
  overridden: Set<Node>;
}

/** Python's non-finite tokens as values, swapped for number literals of the same length before jsonc-parser sees them. */
const NONFINITE = /(?<=[:[,]\s*)-?(?:Infinity|NaN)(?=\s*[,\]}])/g;
const SAME_LENGTH: Record<string, string> = { NaN: '0e0', Infinity: '1e999999', '-Infinity': '-1e999999', '-NaN': '-0e0' };

const docs = new Map<string, Doc>();

/** The tree of a text (cached for small texts: the fixtures are parsed once). Never throws. */
export function doc(text: string): Doc {
  const hit = docs.get(text);
  if (hit) return hit;
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text.replace(NONFINITE, (m) => SAME_LENGTH[m] ?? m), errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  } catch {
    // jsonc-parser recurses per nesting level: a text nested past the stack is no target for the harness.
    root = undefined;
  }
  const nodes = root ? walk(root) : [];
  const d: Doc = { text, root, clean: root?.type === 'object' && errors.length === 0, nodes, depth: depthOf(nodes), overridden: overriddenOf(nodes) };
  if (text.length < 256 * 1024) {
    if (docs.size > 500) docs.clear();
    docs.set(text, d);
  }
  return d;
}

/** Every node under `root`, root first, in document order; iterative. */
export function walk(root: Node): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    const c = n.children;
    if (c) for (let i = c.length - 1; i >= 0; i--) stack.push(c[i]!);
  }
  return out;
}

function depthOf(nodes: Node[]): number {
  const depth = new Map<Node, number>();
  let max = 0;
  for (const n of nodes) {
    const d = (n.parent ? depth.get(n.parent) ?? 0 : 0) + (n.type === 'object' || n.type === 'array' ? 1 : 0);
    depth.set(n, d);
    if (d > max) max = d;
  }
  return max;
}

function overriddenOf(nodes: Node[]): Set<Node> {
  const out = new Set<Node>();
  for (const o of nodes) {
    if (o.type !== 'object') continue;
    const last = new Map<string, Node>();
    for (const p of o.children ?? []) {
      if (p.type !== 'property') continue;
      const before = last.get(keyOf(p));
      if (before) out.add(before);
      last.set(keyOf(p), p);
    }
  }
  return out;
}

/** True when the node lies under a property that a later property of the same key overrides. */
export function shadowed(d: Doc, node: Node): boolean {
  for (let n: Node | undefined = node; n; n = n.parent) if (n.type === 'property' && d.overridden.has(n)) return true;
  return false;
}

/** The JSON path of a value node (or of a property's value when given the property); iterative. */
export function pathOf(node: Node): Path {
  const path: Path = [];
  let n: Node | undefined = node.type === 'property' ? node.children?.[1] ?? node : node;
  while (n?.parent) {
    const p: Node = n.parent;
    if (p.type === 'property') {
      path.push(String(p.children?.[0]?.value));
      n = p.parent;
    } else {
      if (p.type === 'array') path.push(p.children!.indexOf(n));
      n = p;
    }
  }
  return path.reverse();
}

export const dotted = (path: Path): string => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');

export const raw = (text: string, n: Node): string => text.slice(n.offset, n.offset + n.length);
export const keyOf = (prop: Node): string => String(prop.children?.[0]?.value);
export const end = (n: Node): number => n.offset + n.length;

/** The property nodes of an object node. */
export function props(obj: Node | undefined): Node[] {
  return obj?.type === 'object' ? (obj.children ?? []).filter((p) => p.type === 'property' && p.children?.length === 2) : [];
}

/** The property `key` of an object node (the last one, as Python reads duplicates). */
export function prop(obj: Node | undefined, key: string): Node | undefined {
  const ps = props(obj).filter((p) => keyOf(p) === key);
  return ps[ps.length - 1];
}

/** The object holding the language model, as the normaliser picks it: the first nested part that is an object, else the top level. */
export function languagePart(d: Doc): { node: Node | undefined; key: string } {
  for (const key of NESTED_PARTS) {
    const v = prop(d.root, key)?.children?.[1];
    if (v?.type === 'object') return { node: v, key };
  }
  return { node: d.root, key: '' };
}

/** Size fields by key: every vocabulary row with a quantity (attn_config.kv_n_heads by its last key, under attn_config). */
export const SIZE_FIELDS: ReadonlyMap<string, Quantity> = new Map(
  VOCABULARY.filter((e) => e.quantity && e.path.length === 1).map((e) => [e.path[0]!, e.quantity!]),
);
const NESTED_SIZE_FIELDS = VOCABULARY.filter((e) => e.quantity && e.path.length === 2).map((e) => ({ parent: e.path[0]!, key: e.path[1]!, quantity: e.quantity! }));

/** A size field written in the document. */
export interface SizeField {
  prop: Node;
  value: Node;
  key: string;
  path: Path;
  quantity: Quantity;
}

/** The size fields of the top level, of the language-model part, and of attn_config in either. */
export function sizeFields(d: Doc): SizeField[] {
  const out: SizeField[] = [];
  const objects = [d.root, languagePart(d).node].filter((o, i, a): o is Node => !!o && a.indexOf(o) === i);
  for (const o of objects) {
    const ps = props(o);
    for (const p of ps) {
      const q = SIZE_FIELDS.get(keyOf(p));
      // Of a key written twice, the last is the one read (as Python's json reads it).
      if (d.overridden.has(p)) continue;
      if (q) out.push({ prop: p, value: p.children![1]!, key: keyOf(p), path: pathOf(p), quantity: q });
    }
    for (const n of NESTED_SIZE_FIELDS) {
      const inner = prop(o, n.parent)?.children?.[1];
      const p = prop(inner, n.key);
      if (p) out.push({ prop: p, value: p.children![1]!, key: n.key, path: pathOf(p), quantity: n.quantity });
    }
  }
  return out;
}

/** Where to insert a new property at the start of an object node, with its separator. */
export function insertProperty(text: string, obj: Node, property: string): Edit {
  const at = obj.offset + 1;
  const empty = props(obj).length === 0 && !/\S/.test(text.slice(at, end(obj) - 1));
  return { start: at, end: at, insert: empty ? property : `${property}, ` };
}

/** Where to insert a new property at the end of an object node (so that it is the one read, should the key be there already). */
export function appendProperty(text: string, obj: Node, property: string): Edit {
  const ps = props(obj);
  const last = ps[ps.length - 1];
  if (!last) return insertProperty(text, obj, property);
  return { start: end(last), end: end(last), insert: `, ${property}` };
}

/** Replace text[start, end) with `insert`. */
export interface Edit {
  start: number;
  end: number;
  insert: string;
}

/**
 * Applies non-overlapping edits (overlapping ones after the first are dropped) and says where each edit's
 * inserted text now lies, in the order the edits were given (undefined for a dropped edit).
 */
export function applyEdits(text: string, edits: Edit[]): { text: string; spans: ([number, number] | undefined)[] } {
  const order = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.start - b.e.start || a.e.end - b.e.end);
  const spans: ([number, number] | undefined)[] = edits.map(() => undefined);
  let out = '';
  let last = 0;
  for (const { e, i } of order) {
    if (e.start < last) continue;
    out += text.slice(last, e.start);
    spans[i] = [out.length, out.length + e.insert.length];
    out += e.insert;
    last = e.end;
  }
  return { text: out + text.slice(last), spans };
}

/** Any string as a JSON string literal that decodes to it, with about `share` of its code units written as \uXXXX. */
export function escapedLiteral(s: string, share: number, next: Rand): string {
  let out = '"';
  let escaped = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (next() < share || (i === s.length - 1 && escaped === 0)) {
      const hex = code.toString(16).padStart(4, '0');
      out += `\\u${next() < 0.5 ? hex : hex.toUpperCase()}`;
      escaped++;
    } else {
      out += JSON.stringify(c).slice(1, -1);
    }
  }
  return `${out}"`;
}
