/**
 * The fuzz harness's mutation classes. Each class makes variants of a config's text and, for the classes of
 * issue 16, carries the invariant that states the class's promise (duplicate keys: the last value wins and the
 * earlier ones are flagged; escaped keys: the same figures as unescaped; ...). A class's invariant is stated
 * against the text it mutated, so it also holds when that text was itself a mutation (compound cases).
 * The generic invariants every case must keep (nothing throws, ranges inside the document, finite numbers,
 * fast) live in fuzz.ts.
 */
import { getNodeValue } from 'jsonc-parser';
import type { Node } from 'jsonc-parser';
import { analyzeText } from '../../src/core/analyze';
import type { Analysis } from '../../src/core/analyze';
import { computeKv } from '../../src/core/kv';
import { LAYER_TYPE_VALUES, NESTED_PARTS, aliasKeys } from '../../src/core/vocabulary';
import type { Derived, Finding, ModelDescription } from '../../src/core/types';
import {
  SIZE_FIELDS, appendProperty, applyEdits, between, doc, dotted, end, escapedLiteral, insertProperty, keyOf, languagePart, pathOf, pick, prop, props, raw, shadowed, sizeFields, walk,
} from './json';
import type { Doc, Edit, Path, Rand, SizeField } from './json';

/** What one case produced, for a class's invariant. */
export interface Outcome {
  text: string;
  analysis: Analysis;
  /** Lint under the default settings (computed on first use). */
  findings: () => Finding[];
  /** Lint under the case's random settings. */
  settingsFindings: Finding[];
  hovers: { offset: number; markdown: string }[];
}

/** One mutated text, how it was made, and the class's promise about it. */
export interface Variant {
  text: string;
  how: string;
  /** Offsets to hover at besides the generic ones (the strings the mutation touched). */
  hoverAt?: number[];
  /** Run every surface on it: fit, the report, the summary, the benchmark's variant list. */
  full?: boolean;
  /** The class's invariant: what is wrong, if anything. */
  check?: (o: Outcome) => string[];
}

/** A mutation class: selectable by name, drawn by weight. */
export interface MutationClass {
  name: string;
  weight: number;
  /** What the class's invariant promises, in words (for the summary). */
  promise: string;
  /** A variant of `text`, or undefined when the class does not apply to it. */
  make(text: string, next: Rand): Variant | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

/** Analyses of the texts classes mutate (the fixtures, mostly), cached. */
const analyses = new Map<string, Analysis>();
export function analysisOf(text: string): Analysis {
  let a = analyses.get(text);
  if (!a) {
    a = analyzeText(text);
    if (text.length < 256 * 1024) {
      if (analyses.size > 500) analyses.clear();
      analyses.set(text, a);
    }
  }
  return a;
}

/** What the figures of an analysis are, in one line: equal lines mean the same model and the same KV cost. */
export function fingerprintOf(a: Analysis): string {
  const m = a.model;
  if (!m) return 'no model';
  const kv = computeKv(m, { context: 4096, batch: 1 });
  const at = m.attention;
  return `${at.kind} from part '${m.part}', ${at.queryHeads.value} q / ${at.kvHeads.value} kv heads x ${at.headDimK.value}/${at.headDimV.value}, ${m.numLayers.value} layers (${m.layers.length} specs), context ${m.maxContext?.value ?? '-'}, dtype ${m.dtype.value}: ${kv.bytesPerToken} B/token, ${kv.totalBytes} B at 4096`;
}

const references = new Map<string, string>();
/** The fingerprint of a text's analysis (cached: references recur). Never throws. */
export function fingerprint(text: string): string {
  const hit = references.get(text);
  if (hit !== undefined) return hit;
  let f: string;
  try {
    f = fingerprintOf(text.length < 256 * 1024 ? analysisOf(text) : analyzeText(text));
  } catch (e) {
    f = `threw ${e instanceof Error ? e.message : String(e)}`;
  }
  if (references.size > 200) references.clear();
  references.set(text, f);
  return f;
}

/** Ranges [start, end) overlap; an empty finding range counts as one character. */
export const overlaps = (r: { offset: number; length: number }, start: number, stop: number): boolean =>
  r.offset < stop && r.offset + Math.max(1, r.length) > start;

/** Lint findings exist only for a model config whose root is an object. */
const lints = (o: Outcome): boolean => o.analysis.isModelConfig && o.analysis.parsed.root?.type === 'object';

/** A big `id2label` put first pushes a config over the 1 MiB outline threshold. */
let padding: string | undefined;
export function padded(text: string): string {
  padding ??= `\n  "id2label": {${Array.from({ length: 46_000 }, (_, i) => `"${i}": "LABEL_${i}"`).join(', ')}},`;
  const at = text.indexOf('{');
  return at < 0 ? text : text.slice(0, at + 1) + padding + text.slice(at + 1);
}

/** Every Derived figure of a model, with where it sits (attention.kvHeads, maxContext, mla.kvLoraRank, ...). */
function figures(m: ModelDescription): { where: string; d: Derived<unknown> }[] {
  const out: { where: string; d: Derived<unknown> }[] = [];
  const isDerived = (v: unknown): v is Derived<unknown> => !!v && typeof v === 'object' && 'value' in v && 'from' in v && Array.isArray((v as Derived<unknown>).from);
  for (const [k, v] of Object.entries(m)) {
    if (k === 'layers' || k === 'notes' || !v || typeof v !== 'object') continue;
    if (isDerived(v)) out.push({ where: k, d: v });
    else for (const [k2, v2] of Object.entries(v)) if (isDerived(v2)) out.push({ where: `${k}.${k2}`, d: v2 });
  }
  return out;
}

/** Layers whose numbers are not usable sizes. */
function badLayers(m: ModelDescription): string | undefined {
  const n = (v: number | undefined, positive = false) => v === undefined || (Number.isSafeInteger(v) && (positive ? v > 0 : v >= 0));
  const l = m.layers.find((x) => !n(x.kvHeads) || !n(x.queryHeads) || !n(x.headDimK) || !n(x.headDimV) || !n(x.window, true) || !n(x.mlaLatent, true));
  return l ? `layer ${l.index} has kvHeads ${l.kvHeads}, head ${l.headDimK}/${l.headDimV}, window ${l.window}` : undefined;
}

/** The allowed spellings of layer_types entries (transformers' ALLOWED_LAYER_TYPES and KV Lens's list). */
const KNOWN_LAYER_TYPES = new Set([...LAYER_TYPE_VALUES, 'sparse', 'dense', 'hybrid', 'moe']);

const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');
const shown = (s: string) => [...new Set(s.match(CONTROL_ALL) ?? [])].map((c) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`).join(' ');

/** A string as a JSON literal with every control and bidi character escaped (JSON.stringify leaves C1 and bidi raw). */
export const visible = (s: string): string => JSON.stringify(s).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** The text around the first control character, escaped. */
const around = (s: string): string => {
  const i = s.search(CONTROL);
  return visible(s.slice(Math.max(0, i - 40), i + 20));
};

// ---------------------------------------------------------------------------------------------------------------
// The mutations the harness always had (generic invariants only)

export const WEIRD_VALUES = [
  '0', '-1', '-32', '2.5', '1e308', '-1e308', '1e-300', '9007199254740993', 'Infinity', '-Infinity', 'NaN', 'null', 'true',
  '"8"', '"NaN"', '""', '[]', '[8]', '{}', '{"a": 1}', '"<img src=x onerror=alert(1)>"', '"[x](command:workbench.action.openSettings)"',
  '"\\u0000\\ud800"', '"🦙🦙🦙"', '123456789012345678901234567890', '4096', '1', '3', '7',
];

const scalars = (text: string) => [...text.matchAll(/"([A-Za-z_][\w]*)"\s*:\s*(-?\d[\d.eE+-]*|null|true|false|"[^"]*")/g)];
const afterBrace = (text: string) => text.indexOf('{') + 1;

const LEGACY: MutationClass[] = [
  {
    name: 'scalar', weight: 3, promise: 'one scalar replaced by something wrong or absurd',
    make(text, next) {
      const numbers = scalars(text);
      if (numbers.length === 0) return undefined;
      const m = pick(numbers, next);
      const v = pick(WEIRD_VALUES, next);
      const start = m.index! + m[0].length - m[2]!.length;
      return { text: text.slice(0, start) + v + text.slice(start + m[2]!.length), how: `${m[1]} = ${v}` };
    },
  },
  {
    name: 'truncate', weight: 1, promise: 'cut anywhere',
    make(text, next) {
      const at = Math.floor(next() * text.length);
      return { text: text.slice(0, at), how: `truncated at ${at}` };
    },
  },
  {
    name: 'delete-field', weight: 1, promise: 'one field removed',
    make(text, next) {
      const numbers = scalars(text);
      if (numbers.length === 0) return undefined;
      const m = pick(numbers, next);
      return { text: text.slice(0, m.index!) + '"deleted_field": 0' + text.slice(m.index! + m[0].length), how: `deleted ${m[1]}` };
    },
  },
  {
    name: 'nesting', weight: 1, promise: 'text_config nested up to 3,000 deep',
    make(text, next) {
      const depth = 1 + Math.floor(next() * 3000);
      const at = afterBrace(text);
      return { text: text.slice(0, at) + `"text_config": ${'{"x": '.repeat(depth)}1${'}'.repeat(depth)},` + text.slice(at), how: `nested ${depth}` };
    },
  },
  {
    name: 'containers', weight: 1, promise: 'lists where objects belong and objects where lists belong',
    make(text, next) {
      const swaps: [RegExp, string][] = [[/"text_config"\s*:\s*\{/, '"text_config": [{'], [/"layer_types"\s*:\s*\[/, '"layer_types": {"a": ['], [/"block_configs"\s*:\s*\[/, '"block_configs": [1, "x", null, ']];
      const [re, rep] = pick(swaps, next);
      if (!re.test(text)) return { text: text.replace('{', '{"text_config": [], "layer_types": {"0": "full_attention"}, "block_configs": 7,'), how: 'wrong container types added' };
      return { text: text.replace(re, rep), how: `container swap ${rep}` };
    },
  },
  {
    name: 'bom-comments', weight: 1, promise: 'a BOM and comments',
    make: (text) => ({ text: '\ufeff' + text.replace(/,\n/, ', // comment\n/* block */'), how: 'BOM and comments' }),
  },
  {
    name: 'hostile-strings', weight: 1, promise: 'unicode and markup in keys and strings',
    make(text) {
      const at = afterBrace(text);
      return { text: text.slice(0, at) + '"ключ\\u2028": "值\\t\\"", "model_type": "<script>alert(1)</script>",' + text.slice(at), how: 'unicode / hostile strings' };
    },
  },
  {
    name: 'layer-list', weight: 1, promise: 'layer lists of odd lengths with odd windows',
    make(text, next) {
      const n = pick([0, 1, 3, 4096], next);
      const at = afterBrace(text);
      return { text: text.slice(0, at) + `"layer_types": [${Array(n).fill('"sliding_attention"').join(',')}], "sliding_window": ${pick(WEIRD_VALUES, next)},` + text.slice(at), how: `layer_types of ${n}` };
    },
  },
  {
    name: 'byte-flips', weight: 1, promise: 'three characters replaced by JSON punctuation',
    make(text, next) {
      const chars = [...text];
      for (let i = 0; i < 3; i++) chars[Math.floor(next() * chars.length)] = pick(['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', 'x'], next);
      return { text: chars.join(''), how: 'byte flips' };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// The classes of issue 16, each with its invariant

/** A different value for a node, to make a duplicate that matters. */
function otherValue(text: string, v: Node, next: Rand): string {
  if (next() < 0.3) return pick(WEIRD_VALUES, next);
  switch (v.type) {
    case 'number': {
      const n = Number(v.value);
      if (!Number.isSafeInteger(n)) return pick(['8', '4096', '1'], next);
      return String(pick([n * 2, n + 1, Math.max(1, Math.floor(n / 2)), n === 1 ? 2 : 1], next));
    }
    case 'string':
      return pick(['"float16"', '"full_attention"', '"sliding_attention"', '"llama"', JSON.stringify(`${String(v.value)}x`)], next);
    case 'boolean':
      return String(!v.value);
    case 'null':
      return pick(['8', '4096', '"x"'], next);
    case 'object':
      return pick(['{}', '{"x": 1}', '{"num_key_value_heads": 2}'], next);
    default:
      return pick(['[]', '["full_attention"]', '[1, 2]'], next);
  }
}

/**
 * Classes that compare against a reference text need an input KV Lens reads at all: past this depth it refuses the
 * whole document, and a mutation that drops a deep value would make the reference readable where the variant is not.
 */
const SHALLOW = 200;
const usable = (d: Doc) => d.clean && d.depth <= SHALLOW;

/** Keys worth aiming at: attention fields, parts, per-layer lists, identity. */
const ATTENTION_KEYS = new Set<string>([...SIZE_FIELDS.keys(), ...NESTED_PARTS, 'layer_types', 'model_type', 'torch_dtype', 'dtype', 'sliding_window_pattern', 'use_sliding_window', 'kv_lora_rank', 'qk_rope_head_dim', 'attn_config', 'kv_n_heads', 'block_configs', 'hybrid_override_pattern', 'architectures']);

function keyLiteral(text: string, p: Node, next: Rand, escape: number): string {
  const k = p.children![0]!;
  return next() < escape ? escapedLiteral(String(k.value), 0.3, next) : raw(text, k);
}

const duplicateKey: MutationClass = {
  name: 'duplicate-key', weight: 1.5,
  promise: 'a key written twice (any depth, either order, possibly escaped): the last value wins, every earlier occurrence is flagged kv-lens.duplicate-key',
  make(text, next) {
    const d = doc(text);
    if (!usable(d)) return undefined;
    const all = d.nodes.filter((n) => n.type === 'property' && n.children?.length === 2);
    if (all.length === 0) return undefined;
    const aimed = all.filter((p) => ATTENTION_KEYS.has(keyOf(p)));
    const p = next() < 0.6 && aimed.length ? pick(aimed, next) : pick(all, next);
    const v = p.children![1]!;
    const name = dotted(pathOf(p));
    const mode = pick(['earlier', 'later', 'both'] as const, next);
    const decoy = `${keyLiteral(text, p, next, 0.25)}: ${otherValue(text, v, next)}`;
    const winnerValue = otherValue(text, v, next);
    const override = `${keyLiteral(text, p, next, 0.25)}: ${winnerValue}`;
    const original = raw(text, p);
    let mutated: string;
    let reference: string;
    let earlier: [number, number][];
    if (mode === 'earlier') {
      mutated = text.slice(0, p.offset) + decoy + ', ' + text.slice(p.offset);
      reference = text;
      earlier = [[p.offset, p.offset + decoy.length]];
    } else if (mode === 'later') {
      mutated = text.slice(0, end(p)) + ', ' + override + text.slice(end(p));
      reference = text.slice(0, v.offset) + winnerValue + text.slice(end(v));
      earlier = [[p.offset, end(p)]];
    } else {
      mutated = text.slice(0, p.offset) + decoy + ', ' + original + ', ' + override + text.slice(end(p));
      reference = text.slice(0, v.offset) + winnerValue + text.slice(end(v));
      const second = p.offset + decoy.length + 2;
      earlier = [[p.offset, p.offset + decoy.length], [second, second + original.length]];
    }
    const how = mode === 'earlier' ? `${decoy} before ${name}` : mode === 'later' ? `${override} after ${name}` : `${decoy} before and ${override} after ${name}`;
    return {
      text: mutated, how,
      check(o) {
        const out: string[] = [];
        const got = fingerprintOf(o.analysis);
        const want = fingerprint(reference);
        if (got !== want) out.push(`the last ${name} does not win: ${got}; with the last value alone: ${want}`);
        if (lints(o)) {
          const flagged = o.findings().filter((f) => f.code === 'kv-lens.duplicate-key');
          const unread = outlineSkipped(o.analysis);
          for (const [s, e] of earlier) {
            // A file over 1 MiB is read in outline: what lies inside the values it skips is not looked at (documented).
            if (unread.some(([a, b]) => s >= a && e <= b)) continue;
            // Inside a value that is itself an ignored duplicate (another mutation wrote its key twice), Python never
            // reads it: the finding on that outer key covers it, as the analysis reports it.
            if (ignoredValues(o.analysis).some(([a, b]) => s >= a && e <= b)) continue;
            if (!flagged.some((f) => overlaps(f.range, s, e))) out.push(`no kv-lens.duplicate-key on the earlier ${name} at offset ${s}`);
          }
        }
        return out;
      },
    };
  },
};

/**
 * The ranges of the values an outline read left unexpanded: containers under keys KV Lens does not read, at any
 * depth, kept as empty placeholders with their true ranges. What lies inside them is not looked at (documented).
 */
/** The extents of the properties Python's json drops (earlier duplicates of a key), from the key to the value's end. */
function ignoredValues(a: Analysis): [number, number][] {
  const text = a.parsed.text;
  return a.parsed.duplicates.flatMap((d) => d.ignored.map((r): [number, number] => {
    // From the key to the end of its value: the next comma or closing brace at the same depth.
    let depth = 0;
    let i = r.offset + r.length;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"') { for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++; continue; }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') { if (depth === 0) break; depth--; }
      else if (c === ',' && depth === 0) break;
    }
    return [r.offset, i];
  }));
}

function outlineSkipped(a: Analysis): [number, number][] {
  if (!a.parsed.outline || !a.parsed.root) return [];
  return walk(a.parsed.root).flatMap((v) => ((v.type === 'object' || v.type === 'array') && (v.children?.length ?? 0) === 0 && v.length > 2 ? [[v.offset, v.offset + v.length] as [number, number]] : []));
}

/** Size fields to aim at: those in the language part or the top level. */
function chooseSizeFields(d: Doc, next: Rand, count: number, filter: (f: SizeField) => boolean = () => true): SizeField[] {
  const fields = sizeFields(d).filter(filter);
  const out: SizeField[] = [];
  for (let i = 0; i < count && fields.length; i++) out.push(fields.splice(Math.floor(next() * fields.length), 1)[0]!);
  return out;
}

/** Applies one replacement per field and says where each new value lies. */
function replaceValues(text: string, fields: SizeField[], values: string[]) {
  const edits: Edit[] = fields.map((f, i) => ({ start: f.value.offset, end: end(f.value), insert: values[i]! }));
  const { text: out, spans } = applyEdits(text, edits);
  // Where each whole property (key to value) lies now, for findings put on the key.
  const props = fields.map((f, i) => {
    const s = spans[i]!;
    return [s[0] - (f.value.offset - f.prop.offset), s[1]] as [number, number];
  });
  return { text: out, spans: spans.map((s) => s!), props };
}

function floatForms(digits: string): string[] {
  const forms = [`${digits}.0`, `${digits}e0`, `${digits}E0`, `${digits}.00`, `${digits}e+0`, `${digits}.0e0`, `${digits}0e-1`];
  if (digits.length > 1) forms.push(`${digits.slice(0, -1)}.${digits.slice(-1)}e1`);
  return forms;
}

const floatSize: MutationClass = {
  name: 'float-size', weight: 1,
  promise: 'a size written as a float (8.0, 8e0): a kv-lens.wrong-type finding on it',
  make(text, next) {
    const d = doc(text);
    if (!d.root) return undefined;
    const fields = chooseSizeFields(d, next, next() < 0.2 ? 2 : 1, (f) => f.value.type === 'number' && /^[1-9]\d*$/.test(raw(text, f.value)));
    if (fields.length === 0) return undefined;
    const values = fields.map((f) => pick(floatForms(raw(text, f.value)), next));
    const { text: mutated, spans } = replaceValues(text, fields, values);
    return {
      text: mutated, full: true,
      how: fields.map((f, i) => `${dotted(f.path)} = ${values[i]}`).join(', '),
      check(o) {
        if (!lints(o)) return [];
        const wrong = o.findings().filter((f) => f.code === 'kv-lens.wrong-type');
        return fields.flatMap((f, i) => (wrong.some((w) => overlaps(w.range, spans[i]![0], spans[i]![1])) ? [] : [`${dotted(f.path)} = ${values[i]}: no kv-lens.wrong-type finding on it`]));
      },
    };
  },
};

const INVALID_SIZES = [
  '0', '-0', '0.0', '0e5', '-8', '-1', '-4096', '7.5', '0.5', '1e-3', '"8"', '"128"', '" 8"', '"8.0"', '"0x10"', '""',
  '1e309', '-1e309', '1e400', '9007199254740993', '9007199254740992', '18446744073709551616', 'true', 'false', '[8]', '[]', '{}',
  '{"value": 8}', 'NaN', 'Infinity', '-Infinity',
];

/** No figure of the model may claim a field whose value is unusable, and every size it holds must be usable. */
function claims(o: Outcome, fields: { path: Path; key: string }[], inputHadModel: boolean, what: string): string[] {
  const out: string[] = [];
  const m = o.analysis.model;
  if (!m) {
    // Refused: the reason names the field (one of them, when two are unusable; the findings name each).
    const names = fields.map((f) => dotted(f.path)).join(' and ');
    if (inputHadModel && !fields.some((f) => (o.analysis.error ?? '').includes(f.key))) out.push(`${names} ${what}: the model is refused but the reason does not name it (${o.analysis.error})`);
    return out;
  }
  for (const f of fields) {
    const name = dotted(f.path);
    for (const { where, d } of figures(m)) if (d.from.includes(name)) out.push(`${name} ${what}, yet ${where} = ${String(d.value)} claims it`);
  }
  {
    for (const { where, d } of figures(m)) {
      if (typeof d.value === 'number' && !(Number.isSafeInteger(d.value) && d.value >= 0)) out.push(`${where} = ${d.value} is not a usable size`);
    }
    const bad = badLayers(m);
    if (bad) out.push(bad);
  }
  return out;
}

const invalidSize: MutationClass = {
  name: 'invalid-size', weight: 1.5,
  promise: 'a size of 0, negative, fractional, a string, 1e309, 2^53+1, ...: an error-level kv-lens.invalid-size / wrong-type finding on it, and no figure claims it (or the model is refused naming it)',
  make(text, next) {
    const d = doc(text);
    if (!d.root) return undefined;
    const fields = chooseSizeFields(d, next, next() < 0.2 ? 2 : 1);
    if (fields.length === 0) return undefined;
    const values = fields.map(() => pick(INVALID_SIZES, next));
    const { text: mutated, spans } = replaceValues(text, fields, values);
    const inputHadModel = !!analysisOf(text).model;
    return {
      text: mutated, full: true,
      how: fields.map((f, i) => `${dotted(f.path)} = ${values[i]}`).join(', '),
      check(o) {
        const out: string[] = [];
        if (lints(o)) {
          const errors = o.findings().filter((f) => f.severity === 'error' && (f.code === 'kv-lens.invalid-size' || f.code === 'kv-lens.wrong-type'));
          fields.forEach((f, i) => {
            if (!errors.some((e) => overlaps(e.range, spans[i]![0], spans[i]![1]))) out.push(`${dotted(f.path)} = ${values[i]}: no error-level kv-lens.invalid-size or kv-lens.wrong-type finding on it`);
          });
        }
        out.push(...claims(o, fields, inputHadModel, 'is unusable'));
        return out;
      },
    };
  },
};

const ABSURD_SIZES = ['1000000000', '2147483647', '2147483648', '4294967296', '1000000000000', '4503599627370496', '1000000000000000', '9007199254740991'];
const ABSURD_TARGETS = ['num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'hidden_size', 'max_position_embeddings', 'sliding_window'];

const absurdSize: MutationClass = {
  name: 'absurd-size', weight: 1.5,
  promise: 'a size of 1e9, 2^31, 2^52, 1e15 (layers, heads, head size, context, window; present or added): fast, and refused naming the field or an error finding naming it',
  make(text, next) {
    const d = doc(text);
    if (!d.root) return undefined;
    const part = languagePart(d).node;
    let fields: SizeField[];
    if (next() < 0.25 && part && d.clean) {
      // A size field the config may not write, set in the language-model part (added at its end when absent).
      const key = pick(ABSURD_TARGETS, next);
      const existing = prop(part, key);
      if (!existing) {
        const value = pick(ABSURD_SIZES, next);
        const { text: t, spans } = applyEdits(text, [appendProperty(text, part, `"${key}": ${value}`)]);
        return absurdVariant(t, [{ path: [...pathOf(part), key], key }], [spans[0]!], [value], true);
      }
      fields = [{ prop: existing, value: existing.children![1]!, key, path: pathOf(existing), quantity: SIZE_FIELDS.get(key)! }];
    } else fields = chooseSizeFields(d, next, next() < 0.25 ? 2 : 1);
    if (fields.length === 0) return undefined;
    const values = fields.map(() => pick(ABSURD_SIZES, next));
    const { text: mutated, props: spans } = replaceValues(text, fields, values);
    return absurdVariant(mutated, fields.map((f) => ({ path: f.path, key: f.key })), spans, values, false);
  },
};

function absurdVariant(text: string, targets: { path: Path; key: string }[], spans: [number, number][], values: string[], added: boolean): Variant {
  return {
    text, full: true,
    how: targets.map((t, i) => `${dotted(t.path)} = ${values[i]}${added ? ' (added)' : ''}`).join(', '),
    check(o) {
      const out: string[] = [];
      targets.forEach((t, i) => {
        // A document refused as a whole first (a syntax error, nesting past the limit, from another mutation of
        // the case) gives no figure at all: the absurd size cannot be shown as right.
        const unreadable = !o.analysis.model && o.analysis.parsed.problems.some((p) => !p.tolerated);
        const refused = unreadable || (!o.analysis.model && (o.analysis.error ?? '').includes(t.key));
        const flagged = lints(o) && o.findings().some((f) => f.severity === 'error' && f.message.includes(t.key) && overlaps(f.range, spans[i]![0], spans[i]![1]));
        if (!refused && !flagged) out.push(`${dotted(t.path)} = ${values[i]}: neither refused naming ${t.key} nor an error finding on it naming it`);
      });
      return out;
    },
  };
}

/** A spelling of a layer type that is none of the allowed ones. */
function typo(base: string, next: Rand): string {
  const homoglyph: Record<string, string> = { a: 'а', e: 'е', o: 'о', c: 'с', i: 'і' };
  for (let tries = 0; tries < 20; tries++) {
    const i = Math.floor(next() * base.length);
    const s = [...base];
    let t: string;
    switch (Math.floor(next() * 14)) {
      case 0: s.splice(i, 1); t = s.join(''); break;
      case 1: if (i + 1 < s.length) [s[i], s[i + 1]] = [s[i + 1]!, s[i]!]; t = s.join(''); break;
      case 2: s.splice(i, 0, s[i] ?? 'x'); t = s.join(''); break;
      case 3: s[i] = String.fromCharCode(97 + Math.floor(next() * 26)); t = s.join(''); break;
      case 4: t = base.toUpperCase(); break;
      case 5: t = base[0]!.toUpperCase() + base.slice(1); break;
      case 6: t = `${base} `; break;
      case 7: t = ` ${base}`; break;
      case 8: t = base.replace('_', '-'); break;
      case 9: t = base.replace('_', ' '); break;
      case 10: { const j = s.findIndex((c, k) => k >= i && c in homoglyph); if (j >= 0) s[j] = homoglyph[s[j]!]!; t = s.join(''); break; }
      case 11: t = `${base}s`; break;
      case 12: s.splice(i, 0, '\u200b'); t = s.join(''); break;
      default: t = pick(['global', 'local', 'swa', 'full', 'sliding', 'linear', 'attn', 'full-attention', 'fullattention', '', 'none', 'null', 'mlp', 'moe_attention', 'full_attenton', 'sliding_window'], next);
    }
    if (!KNOWN_LAYER_TYPES.has(t)) return t;
  }
  return 'full_attenton';
}

const unknownLayerType: MutationClass = {
  name: 'unknown-layer-type', weight: 1,
  promise: 'a layer_types entry none of the allowed values (typos, case, spaces, look-alikes, other words): an error-level kv-lens.unknown-layer-type naming the allowed values',
  make(text, next) {
    const d = doc(text);
    const part = languagePart(d).node;
    if (!part) return undefined;
    const list = prop(part, 'layer_types')?.children?.[1];
    const nonString = next() < 0.08;
    const bad = () => (nonString ? pick(['1', 'null', 'true', '{}', '[]', '0.5'], next) : JSON.stringify(typo(pick(next() < 0.7 ? ['full_attention', 'sliding_attention'] : [...LAYER_TYPE_VALUES], next), next)));
    let mutated: string;
    let listSpan: [number, number];
    const written: string[] = [];
    if (list?.type === 'array' && (list.children?.length ?? 0) > 0) {
      const entries = list.children!.filter((c) => c.type === 'string');
      if (entries.length === 0) return undefined;
      const chosen = [...new Set(Array.from({ length: between(1, 3, next) }, () => pick(entries, next)))];
      const edits = chosen.map((e) => {
        const insert = nonString ? bad() : JSON.stringify(typo(String(e.value), next));
        written.push(insert);
        return { start: e.offset, end: end(e), insert };
      });
      const keyStart = list.parent!.offset;
      const { text: t } = applyEdits(text, edits);
      mutated = t;
      listSpan = [keyStart, end(list) + (t.length - text.length)];
    } else {
      // Adding a list needs a text whose objects close: appended to a broken one, it may land inside another value.
      if (!d.clean) return undefined;
      const layers = analysisOf(text).model?.numLayers.value;
      if (!layers || layers > 2000) return undefined;
      const entries = Array.from({ length: layers }, () => '"full_attention"');
      for (let k = between(1, 3, next); k > 0; k--) {
        const w = bad();
        written.push(w);
        entries[Math.floor(next() * layers)] = w;
      }
      // Added, or written over a layer_types that is no list (the last one written is the one read).
      const existing = prop(part, 'layer_types');
      const property = `"layer_types": [${entries.join(', ')}]`;
      const edit = existing ? { start: existing.offset, end: end(existing), insert: property } : appendProperty(text, part, property);
      const { text: t, spans } = applyEdits(text, [edit]);
      mutated = t;
      listSpan = [spans[0]![0], spans[0]![1]];
    }
    return {
      text: mutated,
      how: `${list ? '' : 'added '}${dotted([...pathOf(part), 'layer_types'])} with ${written.join(', ')}`,
      check(o) {
        if (!lints(o)) return [];
        const codes = nonString ? ['kv-lens.unknown-layer-type', 'kv-lens.wrong-type'] : ['kv-lens.unknown-layer-type'];
        const found = o.findings().filter((f) => codes.includes(f.code) && f.severity === 'error' && overlaps(f.range, listSpan[0], listSpan[1]));
        if (found.length === 0) return [`no error-level ${codes.join(' / ')} on layer_types (${written.join(', ')})`];
        if (!nonString && !found.some((f) => f.message.includes('full_attention'))) return [`kv-lens.unknown-layer-type does not name the allowed values: ${found[0]!.message}`];
        return [];
      },
    };
  },
};

const escapedKey: MutationClass = {
  name: 'escaped-key', weight: 1.5,
  promise: 'keys (and strings) spelled with \\u escapes, in small files and over 1 MiB (outline): the same figures and findings as unescaped',
  make(text, next) {
    const d = doc(text);
    if (!usable(d)) return undefined;
    const keys = d.nodes.filter((n) => n.type === 'property' && n.children?.length === 2).map((p) => p.children![0]!);
    const aimed = keys.filter((k) => ATTENTION_KEYS.has(String(k.value)));
    const strings = d.nodes.filter((n) => n.type === 'string' && !(n.parent?.type === 'property' && n.parent.children?.[0] === n));
    const targets = new Set<Node>();
    for (let i = between(1, 3, next); i > 0; i--) {
      const r = next();
      const pool = r < 0.6 ? aimed : r < 0.85 ? keys : strings;
      if (pool.length) targets.add(pick(pool, next));
    }
    if (targets.size === 0) return undefined;
    const share = pick([0.1, 0.3, 1], next);
    const edits = [...targets].map((n) => ({ start: n.offset, end: end(n), insert: escapedLiteral(String(n.value), share, next) }));
    const small = applyEdits(text, edits).text;
    const big = next() < 0.35;
    const mutated = big ? padded(small) : small;
    const reference = big ? padded(text) : text;
    return {
      text: mutated,
      how: `${edits.map((e) => e.insert).join(', ')}${big ? ' in a file over 1 MiB' : ''}`,
      check(o) {
        const out: string[] = [];
        const got = fingerprintOf(o.analysis);
        const want = fingerprint(reference);
        if (got !== want) out.push(`escaped keys read differently: ${got}; unescaped: ${want}`);
        const mine = lintCodes(o.findings());
        const theirs = referenceCodes(reference);
        if (mine !== theirs) out.push(`findings differ from the unescaped text's: [${mine}] vs [${theirs}]`);
        return out;
      },
    };
  },
};

const lintCodes = (fs: Finding[]) => fs.map((f) => f.code).sort().join(' ');
const codeCache = new Map<string, string>();
/** The codes of a reference text's findings under the default settings (cached, as its fingerprint). */
function referenceCodes(text: string): string {
  let c = codeCache.get(text);
  if (c === undefined) {
    const a = text.length < 256 * 1024 ? analysisOf(text) : analyzeText(text);
    c = a.isModelConfig && a.parsed.root?.type === 'object' ? lintCodes(findingsOf(a)) : '';
    if (codeCache.size > 200) codeCache.clear();
    codeCache.set(text, c);
  }
  return c;
}

/** Lint of a reference analysis under the default settings (set by fuzz.ts, which owns the settings). */
export let findingsOf: (a: Analysis) => Finding[] = () => [];
export function setFindingsOf(f: (a: Analysis) => Finding[]): void {
  findingsOf = f;
}

/** Control characters and bidi controls, as a JSON string's content (escaped) and as the characters themselves. */
const NASTY = [
  '\u001b[2J', '\u001b[31mPWNED\u001b[0m', '\u001b]0;title\u0007', '\u0000', '\u0007', '\b', '\r', '\t', '\u000b', '\u000c', '\u001f',
  '\u007f', '\u0080', '\u0085', '\u009b31m', '\u009f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u202eevil\u202c', '\r\n\u001b[1A',
];

/** `s` as the inside of a JSON string: control characters escaped (valid JSON) or, with `rawChars`, written as they are. */
const inside = (s: string, rawChars: boolean): string => (rawChars ? s.replace(/["\\]/g, (c) => `\\${c}`) : JSON.stringify(s).slice(1, -1).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

const controlChars: MutationClass = {
  name: 'control-chars', weight: 1.5,
  promise: 'control characters and bidi overrides in every string (model_type, dtypes, layer_types entries, architectures, keys, sizes as strings): nothing throws; no finding message, fix title or hover carries them raw',
  make(text, next) {
    const d = doc(text);
    if (!d.root) return undefined;
    const part = languagePart(d).node ?? d.root;
    const rawChars = next() < 0.4;
    const nasty = () => inside(pick(NASTY, next), rawChars);
    const spliceInto = (n: Node) => {
      const body = raw(text, n).slice(1, -1);
      const at = Math.floor(next() * (body.length + 1));
      return `"${body.slice(0, at)}${nasty()}${body.slice(at)}"`;
    };
    const edits: Edit[] = [];
    const notes: string[] = [];
    const stringValue = (obj: Node, key: string, fallback: string) => {
      const v = prop(obj, key)?.children?.[1];
      if (v?.type === 'string') {
        edits.push({ start: v.offset, end: end(v), insert: spliceInto(v) });
        notes.push(dotted(pathOf(v)));
      } else if (!v) {
        edits.push(insertProperty(text, obj, `"${key}": "${fallback}${nasty()}"`));
        notes.push(`added ${key}`);
      }
    };
    for (let i = between(1, 3, next); i > 0; i--) {
      switch (Math.floor(next() * 9)) {
        case 0: stringValue(pick([d.root, part], next), 'model_type', 'llama'); break;
        case 1: stringValue(part, pick(['torch_dtype', 'dtype'], next), 'bfloat16'); break;
        case 2: {
          const list = prop(part, 'layer_types')?.children?.[1];
          const entries = list?.children?.filter((c) => c.type === 'string') ?? [];
          if (entries.length) {
            const e = pick(entries, next);
            edits.push({ start: e.offset, end: end(e), insert: spliceInto(e) });
            notes.push(dotted(pathOf(e)));
          } else stringValue(part, 'hybrid_override_pattern', 'M*M');
          break;
        }
        case 3: {
          const archs = prop(d.root, 'architectures')?.children?.[1]?.children?.filter((c) => c.type === 'string') ?? [];
          if (archs.length) {
            const a = pick(archs, next);
            edits.push({ start: a.offset, end: end(a), insert: spliceInto(a) });
            notes.push('architectures');
          }
          break;
        }
        case 4: {
          // A known key with control characters in it (no longer that key).
          const ps = props(part);
          if (ps.length) {
            const k = pick(ps, next).children![0]!;
            edits.push({ start: k.offset, end: end(k), insert: spliceInto(k) });
            notes.push(`key ${String(k.value)}`);
          }
          break;
        }
        case 5:
          edits.push(appendProperty(text, part, `"${nasty()}${pick(['num_key_value_heads', 'sliding_window', 'x'], next)}${nasty()}": 8`));
          notes.push('new key');
          break;
        case 6: {
          // A size written as a string holding control characters: wrong-type messages quote the value.
          const f = pick(sizeFields(d), next) as SizeField | undefined;
          if (f) {
            edits.push({ start: f.value.offset, end: end(f.value), insert: `"${pick(['8', '4096', ''], next)}${nasty()}"` });
            notes.push(`${f.key} as a string`);
          }
          break;
        }
        case 7: {
          // Two dtypes that disagree: the conflict message quotes both.
          edits.push(appendProperty(text, part, `"torch_dtype": "float16${nasty()}", "dtype": "bfloat16${nasty()}"`));
          notes.push('torch_dtype / dtype');
          break;
        }
        default: {
          const strings = d.nodes.filter((n) => n.type === 'string');
          if (strings.length) {
            const s = pick(strings, next);
            edits.push({ start: s.offset, end: end(s), insert: spliceInto(s) });
            notes.push(dotted(pathOf(s)) || 'a string');
          }
        }
      }
    }
    if (edits.length === 0) return undefined;
    const { text: mutated, spans } = applyEdits(text, edits);
    const hoverAt = spans.flatMap((s) => (s ? [s[0] + 1, Math.max(s[0] + 1, s[1] - 2)] : []));
    return {
      text: mutated, hoverAt,
      how: `${rawChars ? 'raw' : 'escaped'} controls in ${notes.join(', ')}`,
      check(o) {
        const out: string[] = [];
        for (const f of [...o.findings(), ...o.settingsFindings]) {
          if (CONTROL.test(f.message)) out.push(`finding ${f.code} message carries ${shown(f.message)}: ${visible(f.message)}`);
          for (const fix of f.fixes) if (CONTROL.test(fix.title)) out.push(`fix of ${f.code} title carries ${shown(fix.title)}`);
        }
        for (const h of o.hovers) if (CONTROL.test(h.markdown)) out.push(`hover at ${h.offset} carries ${shown(h.markdown)}: ${around(h.markdown)}`);
        return [...new Set(out)];
      },
    };
  },
};

const NONFINITE_TOKENS = ['NaN', 'Infinity', '-Infinity'];

const nonStandardJson: MutationClass = {
  name: 'non-standard-json', weight: 1.5,
  promise: "NaN / Infinity / -Infinity anywhere Python's json reads them, comments, trailing commas: read as Python would, and a kv-lens.non-standard-json finding",
  make(text, next) {
    const d = doc(text);
    if (!usable(d)) return undefined;
    const kind = pick(['nonfinite', 'nonfinite', 'comment', 'trailing-comma'] as const, next);
    const edits: Edit[] = [];
    const expect: { path: Path; token: string }[] = [];
    const notes: string[] = [];
    const used = new Set<number>();
    for (let i = next() < 0.25 ? between(2, 3, next) : 1; i > 0; i--) {
      if (kind === 'nonfinite') {
        const token = pick(NONFINITE_TOKENS, next);
        const r = next();
        if (r < 0.6) {
          const values = d.nodes.filter((n) => ['number', 'string', 'boolean', 'null'].includes(n.type) && !(n.parent?.type === 'property' && n.parent.children?.[0] === n) && !used.has(n.offset) && !shadowed(d, n));
          if (values.length === 0) continue;
          const v = pick(values, next);
          used.add(v.offset);
          edits.push({ start: v.offset, end: end(v), insert: token });
          expect.push({ path: pathOf(v), token });
          notes.push(`${dotted(pathOf(v))} = ${token}`);
        } else if (r < 0.8) {
          const lists = d.nodes.filter((n) => n.type === 'array' && !used.has(n.offset) && !shadowed(d, n));
          if (lists.length === 0) continue;
          const a = pick(lists, next);
          used.add(a.offset);
          const last = a.children?.[a.children.length - 1];
          edits.push(last ? { start: end(last), end: end(last), insert: `, ${token}` } : { start: a.offset + 1, end: a.offset + 1, insert: token });
          expect.push({ path: [...pathOf(a), a.children?.length ?? 0], token });
          notes.push(`${token} appended to ${dotted(pathOf(a)) || 'a list'}`);
        } else {
          const objects = d.nodes.filter((n) => n.type === 'object' && !used.has(n.offset) && !shadowed(d, n));
          if (objects.length === 0) continue;
          const o = pick(objects, next);
          used.add(o.offset);
          // A name the text does not hold yet: a second mutation of the case must not write the same key twice.
          let n = i;
          while (text.includes(`"fuzz_nonfinite_${n}"`)) n += 100;
          const key = `fuzz_nonfinite_${n}`;
          edits.push(appendProperty(text, o, `"${key}": [0.0, ${token}]`));
          expect.push({ path: [...pathOf(o), key, 1], token });
          notes.push(`${dotted([...pathOf(o), key])} = [0.0, ${token}]`);
        }
      } else if (kind === 'comment') {
        const ps = d.nodes.filter((n) => (n.type === 'property' || n.parent?.type === 'array') && !used.has(n.offset));
        if (ps.length === 0) continue;
        const p = pick(ps, next);
        used.add(p.offset);
        const c = pick(['/* fuzz */ ', '// fuzz\n', '/**/', '/* "num_key_value_heads": 1, */ '], next);
        if (next() < 0.15) edits.push({ start: 0, end: 0, insert: '// header\n' });
        else edits.push({ start: p.offset, end: p.offset, insert: c });
        notes.push(`comment before ${dotted(pathOf(p)) || 'a value'}`);
      } else {
        const containers = d.nodes.filter((n) => (n.type === 'object' || n.type === 'array') && (n.children?.length ?? 0) > 0 && !used.has(n.offset) && !text.slice(end(n.children![n.children!.length - 1]!), end(n) - 1).includes(','));
        if (containers.length === 0) continue;
        const c = pick(containers, next);
        used.add(c.offset);
        const last = c.children![c.children!.length - 1]!;
        edits.push({ start: end(last), end: end(last), insert: ',' });
        notes.push(`trailing comma in ${dotted(pathOf(c)) || 'the top level'}`);
      }
    }
    if (edits.length === 0) return undefined;
    const small = applyEdits(text, edits).text;
    const big = next() < 0.15;
    const mutated = big ? padded(small) : small;
    const reference = big ? padded(text) : text;
    const ref = analysisOf(reference).parsed;
    const before = ref.problems.filter((p) => !p.tolerated).length;
    const readable = ref.root?.type === 'object';
    return {
      text: mutated,
      how: `${notes.join(', ')}${big ? ' in a file over 1 MiB' : ''}`,
      check(o) {
        const out: string[] = [];
        const parsed = o.analysis.parsed;
        if (parsed.root?.type !== 'object' && readable) out.push(`the file is unreadable: ${o.analysis.error}`);
        const errors = parsed.problems.filter((p) => !p.tolerated);
        if (errors.length > before) out.push(`read as a syntax error: ${errors[0]!.message}`);
        if (kind === 'nonfinite' && parsed.root) {
          const unread = outlineSkipped(o.analysis);
          for (const e of expect) {
            const node = findAt(parsed.root, e.path);
            // Inside a value an outline read skips, nothing is read (documented): only the finding is asked for.
            if (!node && unread.length && e.path.some((_, k) => { const c = findAt(parsed.root!, e.path.slice(0, k)); return !!c && unread.some(([a]) => a === c.offset); })) continue;
            const v = node ? getNodeValue(node) : undefined;
            const ok = e.token === 'NaN' ? Number.isNaN(v) : v === (e.token === 'Infinity' ? Infinity : -Infinity);
            if (!ok) out.push(`${dotted(e.path)} read as ${node ? String(v) : 'nothing'}, not ${e.token}`);
          }
        }
        if (kind !== 'nonfinite') {
          const got = fingerprintOf(o.analysis);
          const want = fingerprint(reference);
          if (got !== want) out.push(`read differently: ${got}; without: ${want}`);
        }
        if (lints(o) && !o.findings().some((f) => f.code === 'kv-lens.non-standard-json')) out.push('no kv-lens.non-standard-json finding');
        return out;
      },
    };
  },
};

/** jsonc-parser's findNodeAtLocation, iteratively (the harness must not overflow where KV Lens must not). */
function findAt(root: Node, path: Path): Node | undefined {
  let n: Node | undefined = root;
  for (const seg of path) {
    if (!n) return undefined;
    if (typeof seg === 'string') {
      if (n.type !== 'object') return undefined;
      const ps: Node[] = (n.children ?? []).filter((p: Node) => p.children?.[0]?.value === seg);
      n = ps[ps.length - 1]?.children?.[1];
    } else {
      if (n.type !== 'array') return undefined;
      n = n.children?.[seg];
    }
  }
  return n;
}

const STACK = /call stack|too much recursion|stack overflow/i;

const deepNesting: MutationClass = {
  name: 'deep-nesting', weight: 0.7,
  promise: 'lists and objects nested 3,000 to 20,000 deep, anywhere (a new field, a size, text_config, a read container, a big file, unclosed): nothing throws, nothing overflows the stack',
  make(text, next) {
    const depth = 3000 + Math.floor(next() ** 2 * 17_000);
    const style = pick(['[', '{', 'mixed'] as const, next);
    const open = style === '[' ? '[' : style === '{' ? '{"a": ' : '[{"a": ';
    const close = style === '[' ? ']' : style === '{' ? '}' : '}]';
    const levels = style === 'mixed' ? Math.ceil(depth / 2) : depth;
    const unclosed = next() < 0.1;
    const nest = `${open.repeat(levels)}1${unclosed ? '' : close.repeat(levels)}`;
    const d = doc(text);
    const part = d.root ? languagePart(d).node ?? d.root : undefined;
    const where = pick(['new field', 'size', 'text_config', 'read container', 'big file', 'after the end'] as const, next);
    let edit: Edit | undefined;
    const at = text.indexOf('{') + 1;
    if (where === 'size' && d.root) {
      const f = pick(sizeFields(d), next) as SizeField | undefined;
      if (f) edit = { start: f.value.offset, end: end(f.value), insert: nest };
    } else if (where === 'text_config' && part) edit = appendProperty(text, part, `"deep": ${nest}`);
    else if (where === 'read container' && part) {
      const list = prop(part, 'layer_types')?.children?.[1];
      edit = list?.type === 'array' ? { start: list.offset + 1, end: list.offset + 1, insert: `${nest}, ` } : appendProperty(text, part, `"${pick(['rope_scaling', 'quantization_config', 'attn_config', 'block_configs'], next)}": ${nest}`);
    } else if (where === 'after the end') edit = { start: text.length, end: text.length, insert: nest };
    edit ??= { start: at, end: at, insert: `"deep": ${nest},` };
    const small = applyEdits(text, [edit]).text;
    const mutated = where === 'big file' ? padded(small) : small;
    return {
      text: mutated,
      how: `${levels.toLocaleString('en-US')} levels of ${open.trim()}${unclosed ? ' (unclosed)' : ''} in ${where}`,
      check(o) {
        const a = o.analysis;
        const texts = [a.error ?? '', ...a.parsed.problems.map((p) => p.message), ...(a.model?.notes ?? []), ...o.findings().map((f) => f.message), ...o.hovers.map((h) => h.markdown)];
        const hit = texts.find((t) => STACK.test(t));
        return hit ? [`the stack overflowed: ${hit.slice(0, 200)}`] : [];
      },
    };
  },
};

const emptyPart: MutationClass = {
  name: 'empty-part', weight: 0.7,
  promise: 'an empty text_config / llm_config / language_config beside top-level attention fields: the model is read from the top level, and a finding says the empty part was ignored',
  make(text, next) {
    const d = doc(text);
    if (!usable(d) || NESTED_PARTS.some((k) => prop(d.root, k))) return undefined;
    // The promise is about an empty part beside top-level attention fields: the top level must speak (an earlier
    // mutation of the case may have broken a nested part's key, leaving the top level with nothing to read).
    if (![...aliasKeys('queryHeads'), ...aliasKeys('numLayers'), ...aliasKeys('hiddenSize')].some((k) => prop(d.root, k))) return undefined;
    const key = pick(['text_config', 'text_config', 'llm_config', 'language_config', ...NESTED_PARTS], next);
    const body = pick(['{}', '{ }', '{\n  }'], next);
    const ps = props(d.root);
    const property = `"${key}": ${body}`;
    const before = ps.length ? Math.floor(next() * (ps.length + 1)) : 0;
    const edit: Edit = before < ps.length ? { start: ps[before]!.offset, end: ps[before]!.offset, insert: `${property}, ` } : insertProperty(text, d.root!, property);
    const { text: mutated, spans } = applyEdits(text, [edit]);
    const span: [number, number] = [spans[0]![0], spans[0]![0] + property.length];
    return {
      text: mutated,
      how: `${property} before top-level field ${before} of ${ps.length}`,
      check(o) {
        const out: string[] = [];
        const got = fingerprintOf(o.analysis);
        const want = fingerprint(text);
        if (got !== want) out.push(`the empty ${key} changed the figures: ${got}; without it: ${want}`);
        if (lints(o) && !o.findings().some((f) => f.path[0] === key || overlaps(f.range, span[0], span[1]))) out.push(`no finding says the empty ${key} was ignored`);
        return out;
      },
    };
  },
};

const longList: MutationClass = {
  name: 'long-list', weight: 0.03,
  promise: 'per-layer lists and patterns of 10,000 to 2,000,000 entries (texts under 5 MB): fast',
  make(text, next) {
    const d = doc(text);
    if (!d.root) return undefined;
    const part = languagePart(d).node ?? d.root;
    const kind = pick(['layer_types', 'hybrid_override_pattern', 'block_configs', 'unread list'] as const, next);
    let property: string;
    let n: number;
    if (kind === 'layer_types') {
      n = between(20_000, 120_000, next);
      property = `"layer_types": [${Array.from({ length: n }, (_, i) => (i % 4 === 3 ? '"full_attention"' : '"sliding_attention"')).join(',')}], "num_hidden_layers": ${next() < 0.5 ? n : 32}`;
    } else if (kind === 'hybrid_override_pattern') {
      n = between(100_000, 2_000_000, next);
      property = `"hybrid_override_pattern": "${'M*-E'.repeat(Math.ceil(n / 4)).slice(0, n)}"`;
    } else if (kind === 'block_configs') {
      n = between(10_000, 40_000, next);
      property = `"block_configs": [${Array(n).fill('{"attention": {"n_heads_in_group": 8}}').join(',')}]`;
    } else {
      n = between(100_000, 600_000, next);
      property = `"fuzz_table": [${Array.from({ length: n }, (_, i) => i).join(',')}]`;
    }
    return { text: applyEdits(text, [appendProperty(text, part, property)]).text, how: `${kind} of ${n.toLocaleString('en-US')}`, full: true };
  },
};

/** Every class, the harness's old ones first. */
export const CLASSES: readonly MutationClass[] = [
  ...LEGACY, duplicateKey, floatSize, invalidSize, absurdSize, unknownLayerType, escapedKey, controlChars, nonStandardJson, deepNesting, emptyPart, longList,
];

/** The truncation at every byte of two files that opens each run. */
export const TRUNCATION_SWEEP = 'truncate-sweep';

export const CLASS_NAMES: readonly string[] = [TRUNCATION_SWEEP, ...CLASSES.map((c) => c.name)];
