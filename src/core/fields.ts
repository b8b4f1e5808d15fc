/**
 * Reading config fields with provenance. A reader is bound to one part of the document (the top level or a
 * nested `text_config`); every value it returns remembers the dotted field path it came from.
 */
import { getNodeValue } from 'jsonc-parser';
import { nodeAt, pathToString } from './parse';
import type { ParsedConfig } from './parse';
import type { Derived, JsonPath } from './types';
import { sizeProblem } from './validate';

/** A field found in the document: its value, path and dotted name. */
export interface FieldHit<T> {
  value: T;
  path: JsonPath;
  name: string;
}

/** A size that was present but unusable (wrong type, a float, non-positive, absurd), as written. */
export interface RejectedField {
  name: string;
  value: unknown;
  written: string;
  reason: string;
}

// Shared by every reader of one parse (the top level, the language-model part, attn_config, ...).
const REJECTED = new WeakMap<ParsedConfig, RejectedField[]>();

/** Reads fields of one object in the document, by alias lists, with type checks. */
export class FieldReader {
  /** Sizes of this document found present but unusable so far (shared by all its readers). */
  readonly rejected: RejectedField[];

  constructor(
    private readonly parsed: ParsedConfig,
    readonly base: JsonPath,
  ) {
    let list = REJECTED.get(parsed);
    if (!list) REJECTED.set(parsed, (list = []));
    this.rejected = list;
  }

  /** A reader for a nested object (`attn_config`), or undefined when it is absent or not an object. */
  child(key: string): FieldReader | undefined {
    const node = nodeAt(this.parsed, [...this.base, key]);
    return node?.type === 'object' ? new FieldReader(this.parsed, [...this.base, key]) : undefined;
  }

  /** The raw value of a key (objects and arrays materialised); undefined when absent. `null` stays `null`. */
  raw(key: string | JsonPath): unknown {
    const node = nodeAt(this.parsed, [...this.base, ...(Array.isArray(key) ? key : [key])]);
    return node ? getNodeValue(node) : undefined;
  }

  /** True when the key is present with a non-null value. */
  has(key: string): boolean {
    const v = this.raw(key);
    return v !== undefined && v !== null;
  }

  /** Dotted name of a key under this reader's base. */
  name(key: string | JsonPath): string {
    return pathToString([...this.base, ...(Array.isArray(key) ? key : [key])]);
  }

  /** The value's text as written in the file (`8.0`, `1e309`, `9007199254740993`). */
  written(key: string | JsonPath): string {
    const node = nodeAt(this.parsed, [...this.base, ...(Array.isArray(key) ? key : [key])]);
    return node ? this.parsed.text.slice(node.offset, node.offset + node.length) : '';
  }

  /**
   * The first alias written (not absent, not null) when it holds a usable positive integer (validate.ts).
   * A present but unusable one is recorded in `rejected` and ends the search: the model's code would read that
   * field, so a later alias is not a fallback, and the normaliser refuses the config instead of guessing.
   */
  positiveInt(...aliases: string[]): FieldHit<number> | undefined {
    return this.size(aliases, 1);
  }

  /** As positiveInt, with 0 allowed (`num_nextn_predict_layers: 0`). */
  nonNegativeInt(...aliases: string[]): FieldHit<number> | undefined {
    return this.size(aliases, 0);
  }

  private size(aliases: string[], min: 0 | 1): FieldHit<number> | undefined {
    for (const key of aliases) {
      const v = this.raw(key);
      if (v === undefined || v === null) continue;
      const written = this.written(key);
      const problem = sizeProblem(key, v, written, min);
      if (!problem) return { value: v as number, path: [...this.base, key], name: this.name(key) };
      if (!this.rejected.some((x) => x.name === this.name(key))) this.rejected.push({ name: this.name(key), value: v, written, reason: problem.reason });
      return undefined;
    }
    return undefined;
  }

  /** The first alias holding a string. */
  string(...aliases: string[]): FieldHit<string> | undefined {
    for (const key of aliases) {
      const v = this.raw(key);
      if (typeof v === 'string') return { value: v, path: [...this.base, key], name: this.name(key) };
    }
    return undefined;
  }

  /** The first alias holding a boolean. */
  bool(...aliases: string[]): FieldHit<boolean> | undefined {
    for (const key of aliases) {
      const v = this.raw(key);
      if (typeof v === 'boolean') return { value: v, path: [...this.base, key], name: this.name(key) };
    }
    return undefined;
  }

  /** The first alias holding an array. */
  array(...aliases: string[]): FieldHit<unknown[]> | undefined {
    for (const key of aliases) {
      const v = this.raw(key);
      if (Array.isArray(v)) return { value: v, path: [...this.base, key], name: this.name(key) };
    }
    return undefined;
  }
}

/** A Derived value read from a field. */
export function fromField<T>(hit: FieldHit<T>, note?: string): Derived<T> {
  return note ? { value: hit.value, from: [hit.name], defaulted: false, note } : { value: hit.value, from: [hit.name], defaulted: false };
}

/** A Derived value computed from other derived values. */
export function computed<T>(value: T, sources: Derived<unknown>[], note: string): Derived<T> {
  const from = [...new Set(sources.flatMap((s) => s.from))];
  return { value, from, defaulted: sources.some((s) => s.defaulted), note };
}

/** A Derived value nobody wrote: a library default or a rule. */
export function defaulted<T>(value: T, note: string, from: string[] = []): Derived<T> {
  return { value, from, defaulted: true, note };
}
