// Writes docs/lint-rules.md and the README's rule table from the rule table (src/core/lint/rules.ts).
// Usage: node --import tsx scripts/gen-lint-docs.mjs [--check]   (--check: exit 1 when either is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderLintDocs, withReadmeRules } from '../src/core/lint/docs.ts';

const doc = fileURLToPath(new URL('../docs/lint-rules.md', import.meta.url));
const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // missing counts as stale
  }
};
const wanted = [
  [doc, renderLintDocs()],
  [readme, withReadmeRules(read(readme))],
];
if (process.argv.includes('--check')) {
  const stale = wanted.filter(([file, text]) => read(file) !== text).map(([file]) => file);
  if (stale.length) {
    console.error(`${stale.join(', ')} out of date: run node --import tsx scripts/gen-lint-docs.mjs`);
    process.exit(1);
  }
  console.log('docs/lint-rules.md and the README rule table are up to date');
} else {
  for (const [file, text] of wanted) writeFileSync(file, text);
  console.log(`wrote ${wanted.map(([file]) => file).join(', ')}`);
}
