/**
 * The lint rule documentation, rendered from LINT_RULES: `docs/lint-rules.md` is this text (written by
 * scripts/gen-lint-docs.mjs, checked by test/unit/lint-docs.test.ts), and the README section can reuse it.
 */
import { LINT_RULES } from './rules';
import type { LintRule } from './rules';

/** Markdown for every rule: a summary table, then one section per rule. */
export function renderLintDocs(rules: readonly LintRule[] = LINT_RULES): string {
  const out: string[] = [
    '<!-- Generated from src/core/lint/rules.ts by scripts/gen-lint-docs.mjs; do not edit by hand. -->',
    '# KV Lens lint rules',
    '',
    'Diagnostics on model `config.json` files (never on other JSON). Each has a stable code, shown as the diagnostic code with source `KV Lens`.',
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

/** Markers around the README's rule table, which scripts/gen-lint-docs.mjs rewrites. */
export const README_RULES_START = '<!-- lint-rules:start (generated from src/core/lint/rules.ts by scripts/gen-lint-docs.mjs) -->';
export const README_RULES_END = '<!-- lint-rules:end -->';

/** The README's table: every rule with its code, default severity, what it catches, why it matters and an example. */
export function renderReadmeRules(rules: readonly LintRule[] = LINT_RULES): string {
  return [
    README_RULES_START,
    '| Code | Severity | Catches | Why it matters | Example | Quick fix |',
    '|---|---|---|---|---|---|',
    ...rules.map((r) => `| \`${r.code}\` | ${r.defaultSeverity} | ${cell(r.title)} | ${cell(r.why)} | \`${cell(r.example.split('\n').map((l) => l.trim()).join(' '))}\` | ${r.fix ? cell(r.fix) : '-'} |`),
    README_RULES_END,
  ].join('\n');
}

/** Replaces the README's rule table between its markers; returns the text unchanged when they are absent. */
export function withReadmeRules(readme: string, rules: readonly LintRule[] = LINT_RULES): string {
  const start = readme.indexOf(README_RULES_START);
  const end = readme.indexOf(README_RULES_END);
  if (start < 0 || end < start) return readme;
  return readme.slice(0, start) + renderReadmeRules(rules) + readme.slice(end + README_RULES_END.length);
}
