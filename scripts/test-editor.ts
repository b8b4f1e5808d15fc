/**
 * `npm run test:editor`: the in-editor suite (test/editor) inside a real VS Code, on a fresh copy of the
 * fixture workspace.
 *
 * - Desktop VS Code, when one is available: KV_LENS_VSCODE_EXECUTABLE names its binary, or
 *   KV_LENS_VSCODE_DOWNLOAD=stable|<version> lets @vscode/test-electron download one. The extension is
 *   loaded from this folder (`--extensionDevelopmentPath`) and the runner from `--extensionTestsPath`.
 * - Otherwise code-server (VS Code 1.139 for the browser, from .e2e/), driven by headless Chromium. VS
 *   Code's web workbench takes the same two paths, but from the page URL: `?payload=[["extensionDevelopmentPath",
 *   uri],["extensionTestsPath", uri]]` with `vscode-remote://remote/...` URIs; a built workbench honours the
 *   payload only when the server runs with `--enable-smoke-test-driver` (code-server passes it through with
 *   `--vscode-option`). The workbench then loads the extension in the server's extension host, runs the
 *   suite there, and calls `window.codeAutomationExit(code)`, which this script exposes to the page. The
 *   runner also writes a JSON report to a file, which is what this script waits for and prints.
 *
 * Two phases, each in a fresh editor profile: `trusted` (every suite but untrusted.test.ts, workspace trust
 * off so the folder is trusted) and `untrusted` (untrusted.test.ts alone, workspace trust on and the folder
 * not trusted: analysis must work, benchmarks must refuse). --phase trusted|untrusted runs one.
 *
 * Flags: --no-build (dist/ is already built), --grep <pattern> (Mocha grep), --vsix [path] (test the
 * packaged extension instead of this folder: the VSIX, by default out/vsix/kv-lens-linux-x64-<version>.vsix,
 * is unpacked exactly as VS Code installs it and loaded from there, so packaging mistakes fail the suite).
 * Output: .test-output/editor/ (report-<phase>.json, <phase>/code-server.log, <phase>/browser-console.log, <phase>/final.png).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EditorTestReport } from '../test/editor/index';
import { launchChromium } from './lib/browser';
import { remoteUri, startCodeServer } from './lib/codeServer';
import { EDITOR_TESTS_OUTPUT, EDITOR_TESTS_RUNNER, EDITOR_TESTS_WORKSPACE_COPY, buildEditorTests, freshEditorTestsOutput } from './lib/editorTestsBuild';
import { ROOT, run, secondsSince, waitFor } from './lib/util';
import { unzipPrefix } from './lib/zip';
import { vsixPath } from './package';

const OUT = EDITOR_TESTS_OUTPUT;

/** A run of the suite in one editor profile. */
type Phase = 'trusted' | 'untrusted';
const PHASES: Phase[] = ['trusted', 'untrusted'];
const reportFor = (phase: Phase): string => join(OUT, `report-${phase}.json`);
/** The whole suite's budget, start-up included. */
const SUITE_TIMEOUT_MS = Number(process.env.KV_LENS_EDITOR_TIMEOUT_MS ?? 5 * 60_000);

async function main(): Promise<number> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const grepIndex = args.indexOf('--grep');
  const grep = grepIndex >= 0 ? args[grepIndex + 1] : undefined;
  const vsixIndex = args.indexOf('--vsix');
  const vsix = vsixIndex < 0 ? undefined : args[vsixIndex + 1] && !args[vsixIndex + 1]!.startsWith('--') ? args[vsixIndex + 1]! : vsixPath('linux-x64');
  if (!vsix && !args.includes('--no-build')) run('npm', ['run', 'build']);
  if (!vsix && !existsSync(join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: npm run build');
  await buildEditorTests();

  freshEditorTestsOutput();
  let extensionPath = ROOT;
  if (vsix) {
    if (!existsSync(vsix)) throw new Error(`${vsix} is missing: npm run package -- --target linux-x64`);
    extensionPath = join(OUT, 'packaged-extension');
    const files = await unzipPrefix(vsix, 'extension/', extensionPath);
    console.log(`test:editor: testing the packaged extension: ${files} files from ${vsix}`);
  }
  const phaseIndex = args.indexOf('--phase');
  const phases = phaseIndex >= 0 ? PHASES.filter((p) => p === args[phaseIndex + 1]) : PHASES;
  if (phases.length === 0) throw new Error(`--phase takes one of ${PHASES.join(', ')}`);
  const desktop = process.env.KV_LENS_VSCODE_EXECUTABLE ?? process.env.KV_LENS_VSCODE_DOWNLOAD;

  let passed = true;
  for (const phase of phases) {
    const env: Record<string, string> = { KV_LENS_EDITOR_REPORT: reportFor(phase) };
    if (phase === 'untrusted') env.KV_LENS_EDITOR_UNTRUSTED = '1';
    if (grep) env.KV_LENS_EDITOR_GREP = grep;
    const dir = join(OUT, phase);
    mkdirSync(dir, { recursive: true });
    console.log(`test:editor: ${phase} workspace`);
    const exitCode = desktop ? await runDesktop(phase, dir, extensionPath, env) : await runInCodeServer(phase, dir, extensionPath, env);
    passed = printReport(phase, exitCode, grep !== undefined) && passed;
  }
  console.log(`test:editor: ${passed ? 'passed' : 'FAILED'} in ${secondsSince(started)} s (output in .test-output/editor/)`);
  return passed ? 0 : 1;
}

/** A desktop VS Code through @vscode/test-electron. */
async function runDesktop(phase: Phase, dir: string, extensionPath: string, env: Record<string, string>): Promise<number | undefined> {
  const { runTests } = await import('@vscode/test-electron');
  const executable = process.env.KV_LENS_VSCODE_EXECUTABLE;
  const options = {
    extensionDevelopmentPath: extensionPath,
    extensionTestsPath: EDITOR_TESTS_RUNNER,
    extensionTestsEnv: env,
    launchArgs: [
      EDITOR_TESTS_WORKSPACE_COPY,
      '--disable-extensions',
      ...(phase === 'trusted' ? ['--disable-workspace-trust'] : []),
      '--user-data-dir', join(dir, 'user-data'),
      '--extensions-dir', join(dir, 'extensions'),
    ],
  };
  try {
    return await runTests(executable ? { ...options, vscodeExecutablePath: executable } : { ...options, version: process.env.KV_LENS_VSCODE_DOWNLOAD });
  } catch (error) {
    console.error(String(error));
    return 1;
  }
}

/** code-server driven by headless Chromium, the route that works without a desktop VS Code. */
async function runInCodeServer(phase: Phase, dir: string, extensionPath: string, env: Record<string, string>): Promise<number | undefined> {
  let t = Date.now();
  const workspace = EDITOR_TESTS_WORKSPACE_COPY;
  const report = reportFor(phase);
  const server = await startCodeServer({
    folder: workspace,
    userDataDir: join(dir, 'user-data'),
    extensionsDir: join(dir, 'extensions'),
    logFile: join(dir, 'code-server.log'),
    extensionTests: true,
    // Untrusted: a fresh profile has never trusted the folder; no start-up prompt, restricted mode.
    workspaceTrust: phase === 'untrusted',
    settings: phase === 'untrusted' ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false } : {},
    env,
  });
  console.log(`test:editor: code-server up at ${server.origin} in ${secondsSince(t)} s`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleLog = join(dir, 'browser-console.log');
    writeFileSync(consoleLog, '');
    page.on('console', (m) => appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
    let exitCode: number | undefined;
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      exitCode = code;
    });
    const url = server.urlFor(workspace, [
      ['extensionDevelopmentPath', remoteUri(extensionPath)],
      ['extensionTestsPath', remoteUri(EDITOR_TESTS_RUNNER)],
    ]);
    t = Date.now();
    await page.goto(url);
    // The runner writes the report when Mocha ends; the exit call can lag (the workbench collects logs first).
    await waitFor(() => existsSync(report) || (exitCode !== undefined && exitCode !== 0), { what: 'the in-editor suite to finish', timeoutMs: SUITE_TIMEOUT_MS, intervalMs: 250 });
    console.log(`test:editor: suite finished ${secondsSince(t)} s after the page opened`);
    await page.screenshot({ path: join(dir, 'final.png') });
    return exitCode;
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** Prints the runner's report; true when it exists, ran tests (or a --grep matched none here), and none failed. */
function printReport(phase: Phase, exitCode: number | undefined, grepped: boolean): boolean {
  const path = reportFor(phase);
  if (!existsSync(path)) {
    console.error(`test:editor: no ${phase} report from the extension host (exit code ${String(exitCode)}); see .test-output/editor/${phase}/*.log`);
    return false;
  }
  const report = JSON.parse(readFileSync(path, 'utf8')) as EditorTestReport;
  console.log(`VS Code ${report.vscodeVersion} (${report.appHost}${report.remoteName ? `, remote ${report.remoteName}` : ''}); KV Lens loaded from ${report.extensionPath ?? '(not found)'}`);
  for (const test of report.tests) {
    const mark = test.state === 'passed' ? 'ok  ' : test.state === 'pending' ? 'skip' : 'FAIL';
    console.log(`  ${mark} ${test.title} (${test.durationMs} ms)`);
    if (test.error) console.log(test.error.split('\n').map((l) => `         ${l}`).join('\n'));
  }
  for (const line of report.figures ?? []) console.log(`  figure: ${line}`);
  console.log(`${phase}: ${report.passed} passed, ${report.failed} failed, ${report.pending} pending, ${(report.durationMs / 1000).toFixed(1)} s in the editor`);
  return report.failed === 0 && (report.passed > 0 || grepped);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
