/**
 * The in-editor test runner: VS Code loads this module in the extension host (`extensionTestsPath`) and
 * awaits `run()`. It runs every `*.test.js` bundled beside it with Mocha (TDD interface), prints a spec
 * report to the extension host's console, and writes a JSON report the launcher reads: the same file
 * whether the editor is a desktop VS Code (@vscode/test-electron) or code-server in a browser, where the
 * extension host's console is not the launcher's.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/** One test's outcome in the report. */
export interface EditorTestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

/** The JSON report: written once, when the run has ended (`done` is the launcher's signal). */
export interface EditorTestReport {
  done: true;
  vscodeVersion: string;
  appHost: string;
  remoteName: string | null;
  /** Where the extension under test was loaded from: this folder, or an unpacked VSIX. */
  extensionPath: string | null;
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  tests: EditorTestResult[];
  /** Measurements the tests printed (`figure()` in helpers.ts); the launcher shows them after the results. */
  figures: string[];
}

/** Where `figure()` (helpers.ts) collects lines: a global, because each test file is its own bundle. */
export const FIGURES_KEY = '__kvLensEditorFigures';

/** Where the report goes: named by the launcher, else beside this file. */
export function reportPath(): string {
  return process.env.KV_LENS_EDITOR_REPORT ?? join(__dirname, 'report.json');
}

export async function run(): Promise<void> {
  const started = Date.now();
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = process.env.KV_LENS_EDITOR_GREP;
  if (grep) mocha.grep(grep);
  // untrusted.test.js needs an untrusted workspace, every other suite a trusted one: the launcher runs
  // the two in separate editor profiles and says which this is.
  const untrusted = process.env.KV_LENS_EDITOR_UNTRUSTED === '1';
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && (f === 'untrusted.test.js') === untrusted);
  for (const file of files.sort()) mocha.addFile(join(__dirname, file));

  const tests: EditorTestResult[] = [];
  const failures = await new Promise<number>((resolve, reject) => {
    try {
      const runner = mocha.run((count) => resolve(count));
      runner.on('pass', (t) => tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
      runner.on('pending', (t) => tests.push({ title: t.fullTitle(), state: 'pending', durationMs: 0 }));
      runner.on('fail', (t, err: unknown) => tests.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration ?? 0, error: describe(err) }));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });

  const report: EditorTestReport = {
    done: true,
    vscodeVersion: vscode.version,
    appHost: vscode.env.appHost,
    remoteName: vscode.env.remoteName ?? null,
    extensionPath: vscode.extensions.getExtension('kv-lens.kv-lens')?.extensionPath ?? null,
    passed: tests.filter((t) => t.state === 'passed').length,
    failed: tests.filter((t) => t.state === 'failed').length,
    pending: tests.filter((t) => t.state === 'pending').length,
    durationMs: Date.now() - started,
    tests,
    figures: ((globalThis as Record<string, unknown>)[FIGURES_KEY] as string[] | undefined) ?? [],
  };
  const path = reportPath();
  mkdirSync(dirname(path), { recursive: true });
  // Written whole, then renamed: the launcher polls for this file and must never read half of it.
  writeFileSync(`${path}.partial`, JSON.stringify(report, null, 2));
  renameSync(`${path}.partial`, path);
  if (failures > 0) throw new Error(`${failures} in-editor test(s) failed`);
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
