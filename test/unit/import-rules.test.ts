/**
 * The import rules (.dependency-cruiser.cjs, run on the real tree by `npm run lint:imports` in `npm test`)
 * are shown to bite: a scratch tree breaking each rule must be reported rule by rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../fixtures/paths';

const SCRATCH = join(REPO_ROOT, '.test-output', 'import-rules');

function tree(files: Record<string, string>): void {
  rmSync(SCRATCH, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(SCRATCH, path)), { recursive: true });
    writeFileSync(join(SCRATCH, path), text);
  }
  writeFileSync(join(SCRATCH, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node' } }));
}

function violations(): string[] {
  const bin = join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, 'src', 'webview', '--config', join(REPO_ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd: SCRATCH, encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return [...new Set(out.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`))].sort();
}

test('import rules: each layer rule and the cycle rule report a scratch tree that breaks them', () => {
  tree({
    'src/core/a.ts': "import { readFileSync } from 'node:fs';\nimport { x } from '../extension/x';\nexport const a = () => readFileSync + x;\n",
    'src/extension/x.ts': "import { a } from '../core/a';\nimport { c } from '../cli/c';\nexport const x = () => a + c;\n",
    'src/cli/c.ts': 'export const c = 1;\n',
    'src/shared/p.ts': "import { s } from '../analysis/s';\nexport const p = s;\n",
    'src/analysis/s.ts': "import { b } from '../bench/b';\nexport const s = b;\n",
    'src/bench/b.ts': "import { c } from '../cli/c';\nexport const b = c;\n",
    'webview/w.ts': "import { join } from 'node:path';\nimport { s } from '../src/analysis/s';\nexport const w = [join, s];\n",
    'src/io/r.ts': "import { readFileSync } from 'node:fs';\nimport { p } from '../shared/p';\nexport const r = [readFileSync, p];\n",
  });
  const found = violations();
  for (const expected of [
    'core-no-node-or-vscode src/core/a.ts -> fs',
    'core-is-pure src/core/a.ts -> src/extension/x.ts',
    'no-circular src/core/a.ts -> src/extension/x.ts',
    'front-ends-apart src/extension/x.ts -> src/cli/c.ts',
    'shared-only-core src/shared/p.ts -> src/analysis/s.ts',
    'analysis-and-bench-apart src/analysis/s.ts -> src/bench/b.ts',
    'middle-not-front-ends src/bench/b.ts -> src/cli/c.ts',
    'webview-only-core-shared webview/w.ts -> src/analysis/s.ts',
    'webview-no-node webview/w.ts -> path',
    'io-only-core src/io/r.ts -> src/shared/p.ts',
  ]) {
    assert.ok(found.includes(expected), `expected "${expected}" among:\n${found.join('\n')}`);
  }
});

test('import rules: src/convert never imports the front ends, analysis or bench; core and io are fine', () => {
  tree({
    'src/core/a.ts': 'export const a = 1;\n',
    'src/io/r.ts': "import { a } from '../core/a';\nexport const r = a;\n",
    'src/cli/c.ts': 'export const c = 1;\n',
    'src/bench/b.ts': 'export const b = 1;\n',
    'src/convert/v.ts': "import { r } from '../io/r';\nimport { c } from '../cli/c';\nimport { b } from '../bench/b';\nexport const v = [r, c, b];\n",
    'webview/w.ts': 'export const w = 1;\n',
  });
  assert.deepEqual(violations(), ['convert-below-front-ends src/convert/v.ts -> src/bench/b.ts', 'convert-below-front-ends src/convert/v.ts -> src/cli/c.ts']);
});

test('import rules: a tree that follows them is clean', () => {
  tree({
    'src/core/a.ts': 'export const a = 1;\n',
    'src/shared/p.ts': "import { a } from '../core/a';\nexport const p = a;\n",
    'src/analysis/s.ts': "import { readFileSync } from 'node:fs';\nimport { p } from '../shared/p';\nexport const s = [readFileSync, p];\n",
    'src/extension/x.ts': "import { s } from '../analysis/s';\nimport { r } from '../io/r';\nexport const x = [s, r];\n",
    'src/io/r.ts': "import { readFileSync } from 'node:fs';\nimport { a } from '../core/a';\nexport const r = [readFileSync, a];\n",
    'webview/w.ts': "import { p } from '../src/shared/p';\nexport const w = p;\n",
  });
  assert.deepEqual(violations(), []);
});
