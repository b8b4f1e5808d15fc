/**
 * Rules on the document as a whole: keys written twice, syntax only some readers accept (NaN, Infinity,
 * comments and trailing commas in a .json file), an empty nested language-model part, and the note that a
 * large file was read in outline. Pure: no `vscode`, no `node:` imports.
 */
import { formatBytes } from '../format';
import { nodeAt, pathToString, positionAt, skippedValues, valueAt } from '../parse';
import { nestedIsEmpty } from '../normalise';
import type { ParsedConfig } from '../parse';
import { Reporter, preview } from './context';
import { NESTED_PARTS } from '../vocabulary';

/** Each ignored occurrence of a repeated key, on its key: the model reads the last one. */
export function checkDuplicates(r: Reporter, parsed: ParsedConfig): void {
  for (const d of parsed.duplicates) {
    const path = [...d.object, d.key];
    const line = positionAt(parsed.lineStarts, d.used.offset).line + 1;
    for (const range of d.ignored) {
      r.report(
        'kv-lens.duplicate-key',
        path,
        `${pathToString(path)} is written again at line ${line}: Python's json, so transformers, keeps the last value (${preview(valueAt(parsed, path))}), and this one is ignored.`,
        [],
        range,
      );
    }
  }
}

/**
 * Non-finite numbers always (strict readers refuse the file); comments and trailing commas unless the document
 * is JSON with comments (`jsonc`): in a .json file they make Python's json.load, so transformers, fail.
 */
export function checkNonStandard(r: Reporter, parsed: ParsedConfig, jsonc: boolean): void {
  const at = (offset: number) => `line ${positionAt(parsed.lineStarts, offset).line + 1}`;
  const nonfinite = parsed.nonStandard.filter((n) => n.kind === 'nonfinite');
  const first = nonfinite[0];
  if (first) {
    const more = nonfinite.length > 1 ? ` and ${nonfinite.length - 1} more` : '';
    r.report('kv-lens.non-standard-json', [], `${first.token} (${at(first.range.offset)})${more} is not standard JSON: Python's json reads it, but JSON.parse, jq, serde_json and most other tools refuse this file.`, [], first.range);
  }
  if (jsonc) return;
  for (const kind of ['comment', 'trailing-comma'] as const) {
    const found = parsed.nonStandard.filter((n) => n.kind === kind);
    const one = found[0];
    if (!one) continue;
    const what = kind === 'comment' ? 'A comment' : 'A trailing comma';
    const more = found.length > 1 ? ` (and ${found.length - 1} more)` : '';
    r.report('kv-lens.non-standard-json', [], `${what} at ${at(one.range.offset)}${more}: a .json config may not have ${kind === 'comment' ? 'comments' : 'trailing commas'}; Python's json.load, so transformers, fails on this file.`, [], one.range);
  }
}

/** An empty nested language-model object the analysis did not read from (the normaliser read the top level). */
export function checkEmptyParts(r: Reporter, parsed: ParsedConfig, partPath: readonly (string | number)[]): void {
  if (parsed.root?.type !== 'object') return;
  for (const key of NESTED_PARTS) {
    if (nodeAt(parsed, [key])?.type !== 'object' || !nestedIsEmpty(parsed, key)) continue;
    if (partPath.length > 0 && partPath[0] === key) continue;
    r.report('kv-lens.empty-part', [key], `${key} is empty: KV Lens reads the language model from the top-level fields instead (transformers would build ${key} from its defaults, if the model type has any).`);
  }
}

/** A document read in outline says so once, on the key of its largest unread value (never on the value: it may span a million lines). */
export function checkOutline(r: Reporter, parsed: ParsedConfig): void {
  if (!parsed.outline) return;
  const skipped = skippedValues(parsed);
  // Characters, not bytes; the same for the ASCII configs are written in, close enough for the rest.
  const size = `about ${formatBytes(parsed.text.length)}`;
  const names = skipped.slice(0, 3).map((s) => `${s.key} (${formatBytes(s.length)})`);
  const more = skipped.length > 3 ? ` and ${skipped.length - 3} more` : '';
  const what = names.length ? `; not expanded: ${names.join(', ')}${more}, and syntax errors inside ${skipped.length === 1 ? 'it are' : 'them are'} not reported` : '';
  const first = skipped[0];
  r.report('kv-lens.read-in-outline', first ? [first.key] : [], `This file is ${size}, over the 1 MiB KV Lens reads in full: only the fields attention depends on are read${what}.`, [], first?.keyRange ?? { offset: parsed.root?.offset ?? 0, length: 1 });
}
