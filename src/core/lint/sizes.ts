/**
 * Rules on fields as written: sizes of the right type and range, aliases that agree, dtypes that agree, and a
 * language-model part that agrees with the top level. Pure: no `vscode`, no `node:` imports.
 */
import type { FindingFix, ModelDescription } from '../types';
import { ALIASES, ALIAS_GROUPS_THAT_MUST_AGREE, DTYPE_FIELDS, NULL_NOT_ALLOWED, OTHER_SIZE_FIELDS, RawObject, isPositiveInt, normaliseDtype } from './fields';
import type { Quantity, RawField } from './fields';
import { sizeProblem } from '../validate';
import { escapeText } from '../escape';
import { Reporter, pick, derivedFrom, firstString, preview } from './context';
import type { NumField } from './context';

/** Type and value checks on every size field written in an object, by the validator the normaliser uses (validate.ts). */
export function checkSizes(r: Reporter, o: RawObject): void {
  const fields: { field: RawField; nullable: boolean }[] = [];
  for (const q of Object.keys(ALIASES) as Quantity[]) {
    for (const field of o.all(q)) fields.push({ field, nullable: !NULL_NOT_ALLOWED.includes(q) });
  }
  for (const key of OTHER_SIZE_FIELDS) {
    const field = o.get([key]);
    if (field) fields.push({ field, nullable: true });
  }
  for (const { field, nullable } of fields) {
    const v = field.value;
    if (v === null) {
      if (!nullable) r.report('kv-lens.wrong-type', field.path, `${field.name} is null; it must be a positive whole number.`);
      continue;
    }
    const key = String(field.path[field.path.length - 1]);
    const problem = sizeProblem(key, v, field.written);
    if (!problem) continue;
    const fixes: FindingFix[] = [];
    if (typeof v === 'string' && /^\s*\+?\d+\s*$/.test(v) && Number(v) > 0 && Number.isSafeInteger(Number(v))) {
      fixes.push({ title: `Write ${field.name} as the number ${Number(v)}`, path: field.path, value: Number(v) });
    }
    if (typeof v === 'number' && problem.kind === 'wrong-type' && Number.isSafeInteger(v) && v > 0) {
      fixes.push({ title: `Write ${field.name} as the integer ${v}`, path: field.path, value: v });
    }
    const shown = typeof v === 'number' ? escapeText(field.written) : preview(v);
    r.report(problem.kind === 'wrong-type' ? 'kv-lens.wrong-type' : 'kv-lens.invalid-size', field.path, `${field.name} is ${shown}: ${problem.reason}; it must be a positive whole number.`, fixes);
  }
}

/** Two spellings of the same quantity in one object with different values. */
export function checkAliases(r: Reporter, o: RawObject, model: ModelDescription | undefined): void {
  for (const q of ALIAS_GROUPS_THAT_MUST_AGREE) {
    const fields = o.all(q).filter((f): f is NumField => isPositiveInt(f.value));
    if (fields.length < 2) continue;
    const read = pick(o, q, derivedFrom(model, q)) ?? fields[0];
    if (!read) continue;
    for (const f of fields) {
      if (f === read || f.name === read.name || f.value === read.value) continue;
      r.report(
        'kv-lens.conflicting-aliases',
        f.path,
        `${f.name} is ${f.value} but ${read.name} is ${read.value}; ${read.name} is the one read.`,
        [{ title: `Set ${f.name} to ${read.value} (as ${read.name})`, path: f.path, value: read.value }],
      );
    }
  }
}

export function checkDtypes(r: Reporter, o: RawObject): void {
  const [torchName, dtypeName] = DTYPE_FIELDS;
  const torch = o.get([torchName]);
  const dtype = o.get([dtypeName]);
  if (typeof torch?.value !== 'string' || typeof dtype?.value !== 'string') return;
  if (normaliseDtype(torch.value) === normaliseDtype(dtype.value)) return;
  r.report(
    'kv-lens.dtype-conflict',
    torch.path,
    `${torch.name} is "${torch.value}" but ${dtype.name} is "${dtype.value}": transformers 4.56 and later read ${dtype.name}, older versions ${torch.name}.`,
    [{ title: `Set ${torch.name} to "${dtype.value}" (as ${dtype.name})`, path: torch.path, value: dtype.value }],
  );
}

export function checkTextConfig(r: Reporter, top: RawObject, part: RawObject): void {
  const partName = part.base.join('.');
  for (const q of ['queryHeads', 'kvHeads', 'headDim', 'hiddenSize', 'numLayers', 'maxContext', 'slidingWindow'] as Quantity[]) {
    const outer = top.positive(q);
    const inner = part.positive(q);
    if (!outer || !inner || outer.value === inner.value) continue;
    r.report(
      'kv-lens.text-config-mismatch',
      outer.path,
      `Top-level ${outer.name} is ${outer.value} but ${inner.name} is ${inner.value}; the language model is read from ${partName}, so the top-level value is ignored.`,
      [{ title: `Set ${outer.name} to ${inner.value} (as ${inner.name})`, path: outer.path, value: inner.value }],
    );
  }
  const outerDtype = firstString(top, DTYPE_FIELDS);
  const innerDtype = firstString(part, DTYPE_FIELDS);
  if (outerDtype && innerDtype && normaliseDtype(outerDtype.value as string) !== normaliseDtype(innerDtype.value as string)) {
    r.report(
      'kv-lens.text-config-mismatch',
      outerDtype.path,
      `Top-level ${outerDtype.name} is "${String(outerDtype.value)}" but ${innerDtype.name} is "${String(innerDtype.value)}"; the language model's weights and default KV element size follow ${innerDtype.name}.`,
    );
  }
}
