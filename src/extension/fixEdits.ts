/**
 * Quick-fix edits as minimal text edits (jsonc-parser `modify`), so the file's formatting, comments and
 * key order survive; only the fixed value or property changes.
 */
import { modify } from 'jsonc-parser';
import type { Edit, FormattingOptions } from 'jsonc-parser';
import type { FindingFix } from '../core/types';

/** The file's own indentation and line ending, so inserted text looks like its neighbours. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  if (unit.startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
  return { insertSpaces: true, tabSize: Math.min(8, Math.max(1, unit.length)), eol };
}

/** The text edits applying one fix: set the value at the fix's path, or remove that property. */
export function fixEdits(text: string, fix: FindingFix, formatting: FormattingOptions = detectFormatting(text)): Edit[] {
  return modify(text, fix.path, fix.remove ? undefined : fix.value, { formattingOptions: formatting });
}
