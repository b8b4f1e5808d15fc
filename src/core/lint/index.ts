/**
 * Lint rules for model configs, run in one place (the rules live by family in sizes.ts, heads.ts, layers.ts and document.ts,
 * around the shared context.ts): what is wrong or misleading about a config's attention fields, with the
 * range of the offending value and an edit where the right one is unambiguous. Rules read raw fields of the
 * language-model part (every alias of KV-RULES.md) and use the normalised model only to know which part,
 * which alias and which attention kind apply. Pure: no `vscode`, no `node:` imports.
 */
import type { Analysis } from '../analyze';
import type { KvLensSettings } from '../settings';
import type { Finding } from '../types';
import { RawObject, isPositiveInt, languagePart } from './fields';
import { Reporter, pick, kvField, stringValue } from './context';
import { checkSizes, checkAliases, checkDtypes, checkTextConfig } from './sizes';
import { checkMla, checkHeads, checkBlockGroups, checkTensorParallel } from './heads';
import { checkWindow, checkLayerTypes, checkIgnored } from './layers';
import { checkDuplicates, checkEmptyParts, checkNonStandard, checkOutline } from './document';
import { LINT_RULES } from './rules';
import type { LintCode, LintRule } from './rules';

export { LINT_RULES };
export type { LintCode, LintRule };
export { nearestDivisors } from './context';

/** Runs every rule. Non-model JSON (no model_type, architectures or attention fields) gets nothing. */
export function lint(analysis: Analysis, settings: KvLensSettings): Finding[] {
  const { parsed, model } = analysis;
  if (!analysis.isModelConfig || parsed.root?.type !== 'object') return [];
  const r = new Reporter(parsed, settings);
  const top = new RawObject(parsed, []);
  const partPath = languagePart(parsed, model);
  const part = partPath.length ? new RawObject(parsed, partPath) : top;
  const objects = part === top ? [top] : [top, part];
  const kind = model?.attention.kind;
  const mla = kind === 'MLA' || (kind === undefined && isPositiveInt(part.get(['kv_lora_rank'])?.value));
  const modelType = stringValue(part.get(['model_type'])) ?? model?.partModelType ?? model?.modelType ?? stringValue(top.get(['model_type']));

  for (const o of objects) checkSizes(r, o);
  for (const o of objects) checkAliases(r, o, model);
  for (const o of objects) checkDtypes(r, o);
  if (part !== top) checkTextConfig(r, top, part);
  if (kind !== 'none') {
    const q = pick(part, 'queryHeads', model?.attention.queryHeads.from);
    const kv = mla ? undefined : kvField(part, modelType, model);
    if (mla) checkMla(r, part);
    else {
      checkHeads(r, part, q, kv);
      checkBlockGroups(r, part, q);
    }
    checkTensorParallel(r, settings, q, kv, model, mla);
  }
  checkWindow(r, part, modelType, model, settings);
  checkLayerTypes(r, part, model);
  checkIgnored(r, part, modelType);
  checkDuplicates(r, parsed);
  checkNonStandard(r, parsed, analysis.jsonc);
  checkEmptyParts(r, parsed, partPath);
  checkOutline(r, parsed);
  return r.findings.sort((a, b) => a.range.offset - b.range.offset || a.code.localeCompare(b.code));
}
