/**
 * Bundles the in-editor suite (test/editor) into out/editor-tests: the runner `index.js` and one
 * `*.test.js` per test file. `vscode` is the editor's; `mocha` stays external so the runner and the test
 * files share one Mocha (its TDD globals) - the one @vscode/test-cli brings.
 */
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT, TEST_OUTPUT } from './util';
import { writeConvertFixture } from './convertFixtures';
import { writeWeightsFixtures } from './weightsFixtures';

export const EDITOR_TESTS_OUT = join(ROOT, 'out', 'editor-tests');
export const EDITOR_TESTS_RUNNER = join(EDITOR_TESTS_OUT, 'index.js');
export const EDITOR_TESTS_WORKSPACE = join(ROOT, 'test', 'editor', 'workspace');
/** Where a run's output goes, and the fresh copy of the fixture workspace the editor opens. */
export const EDITOR_TESTS_OUTPUT = join(TEST_OUTPUT, 'editor');
export const EDITOR_TESTS_WORKSPACE_COPY = join(EDITOR_TESTS_OUTPUT, 'workspace');

/**
 * Empties .test-output/editor and copies the fixture workspace into it: tests edit files (quick fixes)
 * and settings, so a run never touches the fixtures themselves.
 */
export function freshEditorTestsOutput(): void {
  rmSync(EDITOR_TESTS_OUTPUT, { recursive: true, force: true });
  mkdirSync(EDITOR_TESTS_OUTPUT, { recursive: true });
  cpSync(EDITOR_TESTS_WORKSPACE, EDITOR_TESTS_WORKSPACE_COPY, { recursive: true });
  // Checkpoint headers for the weights suite (test/editor/weights.test.ts), made here rather than committed.
  writeWeightsFixtures(EDITOR_TESTS_WORKSPACE_COPY);
  // The seeded MHA checkpoint the conversion suite converts (test/editor/convert.test.ts).
  writeConvertFixture(EDITOR_TESTS_WORKSPACE_COPY);
}

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
    // Tests that use the core (large.test.ts) bundle jsonc-parser: its UMD build cannot be followed, its ES module can.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
}
