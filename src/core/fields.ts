/**
 * Reading config fields with provenance. A reader is bound to one part of the document (the top level or a
 * nested `text_config`); every value it returns remembers the dotted field path it came from.
 */
import { getNodeValue } from 'jsonc-parser';
import { nodeAt, pathToString } from './parse';
import type { ParsedConfig } from './parse';
import type { Derived, JsonPath } from './types';

/** A field found in the document: its value, path and dotted name. */
export interface FieldHit<T> {
  value: T;
  path: JsonPath;
  name: string;
}

/** Reads fields of one object in the document, by alias lists, with type checks. */
export class FieldReader {
  /** Values that were present but unusable (wrong type, non-positive, fractional), for notes. */
  readonly rejected: { name: string; value: unknown; reason: string }[] = [];

  constructor(
    private readonly parsed: ParsedConfig,
    readonly base: JsonPath,
  ) {}

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

  /** The first alias holding a positive integer. Present-but-invalid values are recorded and skipped. */
  positiveInt(...aliases: string[]): FieldHit<number> | undefined {
    for (const key of aliases) {
      const v = this.raw(key);
      if (v === undefined || v === null) continue;
      if (typeof v === 'number' && Number.isInteger(v) && v > 0 && Number.isSafeInteger(v)) {
        return { value: v, path: [...this.base, key], name: this.name(key) };
      }
      this.rejected.push({ name: this.name(key), value: v, reason: describeBadInt(v) });
    }
    return undefined;
  }

  /** The first alias holding a non-negative integer (0 allowed: `num_nextn_predict_layers: 0`). */
  nonNegativeInt(...aliases: string[]): FieldHit<number> | undefined {
    for (const key of aliases) {
      const v = this.raw(key);
      if (v === undefined || v === null) continue;
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return { value: v, path: [...this.base, key], name: this.name(key) };
      this.rejected.push({ name: this.name(key), value: v, reason: describeBadInt(v) });
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

function describeBadInt(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'not a finite number';
    if (!Number.isInteger(v)) return 'not a whole number';
    if (!Number.isSafeInteger(v)) return 'too large';
    return 'not positive';
  }
  return `a ${Array.isArray(v) ? 'list' : typeof v}, not a number`;
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
