// Writes docs/lint-rules.md from the rule table (src/core/lint-rules.ts).
// Usage: node --import tsx scripts/gen-lint-docs.mjs [--check]   (--check: exit 1 when the file is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderLintDocs } from '../src/core/lint-docs.ts';

const target = fileURLToPath(new URL('../docs/lint-rules.md', import.meta.url));
const text = renderLintDocs();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error('docs/lint-rules.md is out of date: run node --import tsx scripts/gen-lint-docs.mjs');
    process.exit(1);
  }
  console.log('docs/lint-rules.md is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
