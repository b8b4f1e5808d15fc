/**
 * Bundles the in-editor suite (test/editor) into out/editor-tests: the runner `index.js` and one
 * `*.test.js` per test file. `vscode` is the editor's; `mocha` stays external so the runner and the test
 * files share one Mocha (its TDD globals) - the one @vscode/test-cli brings.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from './util';

export const EDITOR_TESTS_OUT = join(ROOT, 'out', 'editor-tests');
export const EDITOR_TESTS_RUNNER = join(EDITOR_TESTS_OUT, 'index.js');
export const EDITOR_TESTS_WORKSPACE = join(ROOT, 'test', 'editor', 'workspace');

export async function buildEditorTests(): Promise<void> {
  const dir = join(ROOT, 'test', 'editor');
  const entries = readdirSync(dir).filter((f) => f === 'index.ts' || f.endsWith('.test.ts'));
  await esbuild.build({
    entryPoints: entries.map((f) => join(dir, f)),
    outdir: EDITOR_TESTS_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
}
