/**
 * Browser end-to-end: the packaged linux-x64 VSIX (what users install, built by `npm run package`) installed
 * into code-server with its own CLI, code-server on loopback opened on a copy of examples/, and headless
 * Chromium doing what a user does: hover num_key_value_heads, read the Problems panel for a broken config,
 * open the panel from the command palette and check the diagram and chart inside the webview, run a CPU
 * benchmark from the palette and see its result. A screenshot of every step goes to .test-output/e2e/.
 *
 * Run with `npm run test:e2e` (packages first). KV_LENS_VSIX names another VSIX to install.
 */
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/lib/browser';
import { installVsix, startCodeServer, type CodeServer } from '../../scripts/lib/codeServer';
import { ROOT } from '../../scripts/lib/util';
import { vsixPath } from '../../scripts/package';
import { E2E_OUTPUT, STEP_TIMEOUT_MS, closeAllEditors, hoverOver, kvLensWebview, openFile, pickRow, runCommand, shot, waitForWorkbench } from './workbench';

const WORKSPACE = join(E2E_OUTPUT, 'workspace');
const BROKEN = 'broken-example/config.json';

/** In the open multi-select quick pick, checks the row labelled `label` and unchecks every other row. */
async function selectOnly(page: Page, label: string): Promise<void> {
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  await rows.first().waitFor({ timeout: STEP_TIMEOUT_MS });
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const want = (await row.locator('.label-name').innerText()).trim() === label;
    if (((await row.getAttribute('aria-checked')) === 'true') !== want) await row.locator('.label-name').click();
  }
  await page.waitForFunction(
    (wanted) =>
      [...document.querySelectorAll('.quick-input-widget .monaco-list-row')].every(
        (r) => (r.getAttribute('aria-checked') === 'true') === (r.querySelector('.label-name')?.textContent?.trim() === wanted),
      ),
    label,
    { timeout: STEP_TIMEOUT_MS },
  );
}

let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

describe('KV Lens in code-server (packaged VSIX)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    const vsix = process.env.KV_LENS_VSIX ?? vsixPath('linux-x64');
    assert.ok(existsSync(vsix), `${vsix} is missing: npm run package -- --target linux-x64`);
    rmSync(E2E_OUTPUT, { recursive: true, force: true });
    mkdirSync(E2E_OUTPUT, { recursive: true });
    // The bundled examples, plus one broken config (the KV heads do not divide the query heads).
    cpSync(join(ROOT, 'examples'), WORKSPACE, { recursive: true });
    cpSync(join(ROOT, 'test', 'editor', 'workspace', 'broken', 'kv-heads-not-divisor', 'config.json'), join(WORKSPACE, BROKEN));

    const extensionsDir = join(E2E_OUTPUT, 'extensions');
    const userDataDir = join(E2E_OUTPUT, 'user-data');
    installVsix(vsix, extensionsDir, userDataDir);
    const installed = readdirSync(extensionsDir).find((d) => /^kv-lens\.kv-lens-\d/.test(d));
    assert.ok(installed, `VSIX not unpacked into ${extensionsDir}`);
    assert.deepEqual(readdirSync(join(extensionsDir, installed, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6')), ['linux'], 'only the linux binaries');

    server = await startCodeServer({ folder: WORKSPACE, userDataDir, extensionsDir, logFile: join(E2E_OUTPUT, 'code-server.log') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const consoleLog = join(E2E_OUTPUT, 'browser-console.log');
    writeFileSync(consoleLog, '');
    page.on('console', (m) => appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
    await page.goto(server.urlFor(WORKSPACE));
    await waitForWorkbench(page, 'Meta-Llama-3-8B-Instruct');
    await shot(page, '00-workbench');
  });

  after(async () => {
    if (page) await shot(page, '99-last').catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('hovering num_key_value_heads in Llama 3 8B shows GQA, 8 groups of 4, 256 KiB per token', async () => {
    await openFile(page, 'Meta-Llama-3-8B-Instruct/config.json');
    const text = await hoverOver(page, 'num_key_value_heads', /GQA/);
    await shot(page, '01-hover');
    assert.match(text, /32 query heads share 8 KV heads/);
    assert.match(text, /8 groups of 4/);
    // 2 x 8 KV heads x 128 x 4 B (float32) x 32 layers = 262,144 B
    assert.match(text, /256 KiB/);
    assert.match(text, /262,144 B/);
  });

  it('the Problems panel lists kv-lens.kv-heads-not-divisor for the broken config', async () => {
    await openFile(page, BROKEN);
    await runCommand(page, 'View: Focus Problems');
    const problems = page.locator('.markers-panel');
    const row = problems.locator('.monaco-list-row', { hasText: 'kv-lens.kv-heads-not-divisor' }).first();
    await row.waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot(page, '02-problems');
    const text = await row.innerText();
    assert.match(text, /KV Lens/);
    assert.match(text, /\b6\b/);
    // The clean example configs do not show up with errors.
    assert.equal(await problems.locator('.monaco-list-row', { hasText: 'Meta-Llama-3-8B-Instruct' }).count(), 0);
  });

  it('"KV Lens: Open Panel" from the palette shows the grouping diagram and the cost chart in the webview', async () => {
    await closeAllEditors(page);
    await openFile(page, 'Meta-Llama-3-8B-Instruct/config.json');
    await runCommand(page, 'KV Lens: Open Panel');
    await page.locator('.tabs-container .tab', { hasText: 'KV Lens: Meta-Llama-3-8B-Instruct' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    const webview = kvLensWebview(page);
    const diagram = webview.locator('#grouping-diagram svg[data-kind="GQA"]');
    await diagram.waitFor({ timeout: STEP_TIMEOUT_MS });
    assert.equal(await webview.locator('#grouping-diagram .query-heads rect').count(), 32);
    assert.equal(await webview.locator('#grouping-diagram .kv-heads rect').count(), 8);
    assert.equal((await webview.locator('#fig-per-token .figure-value').innerText()).trim(), '256 KiB');
    assert.ok((await webview.locator('.cost-chart polyline').count()) >= 1, 'the cost chart has no series');
    await shot(page, '03-panel');
  });

  it('"KV Lens: Run Attention Benchmark..." on the CPU from the palette shows results in the panel', async () => {
    await closeAllEditors(page);
    await openFile(page, 'Meta-Llama-3-8B-Instruct/config.json');
    await runCommand(page, 'KV Lens: Run Attention Benchmark');
    await pickRow(page, /^cpu/);
    await pickRow(page, /^decode/);
    // Cache lengths: only the shortest, 1024, to keep the run short on a shared CI machine. In a
    // multi-select quick pick each row is a checkbox (aria-checked); clicking a row toggles it.
    await selectOnly(page, '1024');
    await shot(page, '04-benchmark-pick');
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts, .notification-toast', { hasText: /benchmarking/i }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot(page, '05-benchmark-running');
    const webview = kvLensWebview(page);
    const chart = webview.locator('#benchmarks .bench-chart[data-bars]').first();
    await chart.waitFor({ timeout: 4 * 60_000 });
    assert.ok(Number(await chart.getAttribute('data-bars')) >= 2, 'fewer than two benchmark bars');
    await chart.scrollIntoViewIfNeeded();
    await shot(page, '06-benchmark-results');
    const text = await webview.locator('#benchmarks').innerText();
    assert.match(text, /cpu/i);
    assert.match(text, /1024|1k/);
  });
});
