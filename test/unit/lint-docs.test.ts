/** docs/lint-rules.md is generated from LINT_RULES and must stay in sync with it. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { README_RULES_START, renderLintDocs, withReadmeRules } from '../../src/core/lint/docs';
import { LINT_RULES } from '../../src/core/lint';

it('docs/lint-rules.md matches the rule table (regenerate: node --import tsx scripts/gen-lint-docs.mjs)', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'lint-rules.md'), 'utf8');
  assert.equal(doc, renderLintDocs());
  for (const r of LINT_RULES) assert.ok(doc.includes(`## \`${r.code}\``), r.code);
});

it('the README documents every rule, generated from the same table', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  assert.ok(readme.includes(README_RULES_START), 'README has the rule table markers');
  assert.equal(readme, withReadmeRules(readme));
  for (const r of LINT_RULES) assert.ok(readme.includes(`| \`${r.code}\` | ${r.defaultSeverity} |`), r.code);
});
