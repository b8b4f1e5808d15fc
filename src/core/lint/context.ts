/**
 * What every lint rule shares: the reporter that applies the user's severities, and the helpers rules use to
 * find the field in effect (the alias the normaliser read) and to word their messages.
 * Pure: no `vscode`, no `node:` imports.
 */
import { displayValue, escapeText, shortText } from '../escape';
import { divisors } from '../whatif';
import { rangeOf } from '../parse';
import type { ParsedConfig } from '../parse';
import type { KvLensSettings } from '../settings';
import type { Finding, FindingFix, JsonPath, ModelDescription, SourceRange } from '../types';
import { RawObject, isPositiveInt } from './fields';
import type { Quantity, RawField } from './fields';
import { ruleFor } from './rules';
import type { LintCode } from './rules';

export type NumField = RawField & { value: number };

/** Collects findings, applying the user's severity overrides. */
export class Reporter {
  readonly findings: Finding[] = [];
  constructor(
    private readonly parsed: ParsedConfig,
    private readonly settings: KvLensSettings,
  ) {}

  report(code: LintCode, path: JsonPath, message: string, fixes: FindingFix[] = [], range: SourceRange = rangeOf(this.parsed, path)): void {
    const configured = this.settings.ruleSeverities?.[code];
    if (configured === 'off') return;
    const severity = configured ?? ruleFor(code).defaultSeverity;
    // Every message and fix title goes through the one escaper: config strings quoted in them cannot carry
    // control characters or bidi overrides into the Problems panel, a hover or a terminal.
    const safeFixes = fixes.map((f) => ({ ...f, title: escapeText(f.title) }));
    this.findings.push({ code, severity, message: escapeText(message), path, range, fixes: safeFixes });
  }
}

/** The field of a quantity the normaliser read (matching `from`), else the first valid alias. */
export function pick(o: RawObject, q: Quantity, from: string[] | undefined): NumField | undefined {
  if (from) {
    for (const f of o.all(q)) if (from.includes(f.name) && isPositiveInt(f.value)) return f as NumField;
  }
  return o.positive(q);
}

/** The KV-head field in effect: skips ChatGLM's group count without multi_query_attention and Falcon's without the new architecture. */
export function kvField(part: RawObject, modelType: string | undefined, model: ModelDescription | undefined): NumField | undefined {
  const from = model?.attention.kvHeads.from ?? [];
  const candidates = part.all('kvHeads').filter((f): f is NumField => isPositiveInt(f.value));
  const inEffect = candidates.filter((f) => {
    const key = f.path[f.path.length - 1];
    if (key === 'multi_query_group_num') return part.get(['multi_query_attention'])?.value === true;
    if (modelType === 'falcon' && (key === 'num_kv_heads' || key === 'n_head_kv')) return part.get(['new_decoder_architecture'])?.value === true;
    return true;
  });
  return inEffect.find((f) => from.includes(f.name)) ?? inEffect[0];
}

export function derivedFrom(model: ModelDescription | undefined, q: Quantity): string[] | undefined {
  if (!model) return undefined;
  switch (q) {
    case 'queryHeads': return model.attention.queryHeads.from;
    case 'kvHeads': return model.attention.kvHeads.from;
    case 'headDim': return model.attention.headDimK.from;
    case 'hiddenSize': return model.hiddenSize?.from;
    case 'numLayers': return model.numLayers.from;
    case 'maxContext': return model.maxContext?.from;
    default: return undefined;
  }
}

/** The divisors of n nearest to k (two when equally near), ascending. */
export function nearestDivisors(n: number, k: number): number[] {
  const ds = divisors(n);
  if (ds.length === 0) return [];
  const best = Math.min(...ds.map((d) => Math.abs(d - k)));
  return ds.filter((d) => Math.abs(d - k) === best);
}

export function validList(q: number): string {
  const ds = divisors(q);
  return ds.length ? ` Valid: ${ds.join(', ')}.` : '';
}

export function firstString(o: RawObject, keys: readonly string[]): RawField | undefined {
  for (const k of keys) {
    const f = o.get([k]);
    if (typeof f?.value === 'string') return f;
  }
  return undefined;
}

export function stringValue(f: RawField | undefined): string | undefined {
  return typeof f?.value === 'string' ? f.value : undefined;
}

/** `text_config.attn_config.kv_n_heads` -> path; array indices as `[3]`. */
export function pathFromDotted(dotted: string | undefined): JsonPath | undefined {
  if (!dotted) return undefined;
  const path: JsonPath = [];
  for (const m of dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return path;
}

/** A short JSON rendering of a value for messages. */
export function preview(v: unknown): string {
  return shortText(JSON.stringify(v) ?? displayValue(v));
}
