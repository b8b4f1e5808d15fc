/**
 * The lint rule documentation, rendered from LINT_RULES: `docs/lint-rules.md` is this text (written by
 * scripts/gen-lint-docs.mjs, checked by test/unit/lint-docs.test.ts), and the README section can reuse it.
 */
import { LINT_RULES } from './lint-rules';
import type { LintRule } from './lint-rules';

/** Markdown for every rule: a summary table, then one section per rule. */
export function renderLintDocs(rules: readonly LintRule[] = LINT_RULES): string {
  const out: string[] = [
    '<!-- Generated from src/core/lint-rules.ts by scripts/gen-lint-docs.mjs; do not edit by hand. -->',
    '# KV Lens lint rules',
    '',
    'Diagnostics on model `config.json` files (never on other JSON). Each has a stable code, shown as the diagnostic code with source `kv-lens`.',
    'Change a severity or turn a rule off with `kvLens.ruleSeverities`, e.g. `{ "kv-lens.head-dim-mismatch": "off", "kv-lens.sliding-window-disabled": "hint" }`',
    '(values: `error`, `warning`, `information`, `hint`, `off`). Ranges point at the offending value.',
    '',
    '| Code | Default severity | Catches | Quick fix |',
    '|---|---|---|---|',
    ...rules.map((r) => `| \`${r.code}\` | ${r.defaultSeverity} | ${cell(r.title)} | ${r.fix ? 'yes' : '-'} |`),
    '',
  ];
  for (const r of rules) {
    out.push(`## \`${r.code}\``, '', `**${r.title}.** Default severity: ${r.defaultSeverity}.`, '', `Why it matters: ${r.why}`, '', 'Example:', '', '```jsonc', r.example, '```', '');
    if (r.fix) out.push(`Quick fix: ${r.fix}`, '');
  }
  return out.join('\n');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}
