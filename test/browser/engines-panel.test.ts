/**
 * The panel's Engines section in headless Chromium under the extension's CSP: the engines as columns, a launch
 * command per engine with a copy button that posts the panel's copy message, and the assumptions. Expected
 * figures by hand: Qwen2.5-7B at 8,192 tokens x 4 sequences in llama.cpp: 4 x 8192 cells x 28 layers x
 * (4 x 128) x 2 (K, V) x 2 B (f16) = 1.75 GiB, launched as `-c 32768 -np 4`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HarnessServer, OUT, config, startHarness } from './harness';
import type { PanelSettings, ToPanelMessage } from '../../src/shared/panelProtocol';

const SHOTS = join(OUT, 'screenshots');
const SETTINGS: PanelSettings = { context: 8192, batch: 4, kvDtype: 'auto', tensorParallel: 1, gpuMemoryGiB: 80 };

let browser: Browser;
let server: HarnessServer;

describe('the panel Engines section', () => {
  before(async () => {
    ({ server, browser } = await startHarness(SHOTS));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the engines side by side with copyable launch commands', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.origin}/panel.html?theme=dark`);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    const messages: ToPanelMessage[] = [
      { type: 'settings', settings: SETTINGS },
      { type: 'document', uri: 'file:///configs/qwen2.5-7b/config.json', displayName: 'qwen2.5-7b/config.json', text: config('qwen2__Qwen2.5-7B-Instruct'), version: 1 },
    ];
    await page.evaluate((msgs) => {
      for (const m of msgs) window.postMessage(m, '*');
    }, messages);
    await page.waitForSelector('#engines-table');
    const heads = await page.locator('#engines-table thead th').allTextContents();
    assert.deepEqual(heads.map((t) => t.trim()), ['', 'vLLM', 'SGLang', 'llama.cpp', 'TensorRT-LLM']);
    const firstRow = await page.locator('#engines-table tbody tr').first().locator('td').allTextContents();
    assert.equal(firstRow[2]?.trim(), '1.75 GiB');
    const launches = await page.locator('#engines code.launch').allTextContents();
    assert.equal(launches.length, 4);
    assert.match(launches[2] ?? '', /^llama-server -m MODEL\.gguf -c 32768 -np 4 -ctk f16 -ctv f16 -fa on$/);
    assert.match(launches[0] ?? '', /^vllm serve MODEL --max-model-len 8192 /);
    await page.locator('#engines vscode-button[data-engine="vllm"]').click();
    const copied = await page.evaluate(() => (window as unknown as { __posted: { type: string; text?: string }[] }).__posted.filter((m) => m.type === 'copy'));
    assert.equal(copied.length, 1);
    assert.equal(copied[0]!.text, launches[0]);
    await page.locator('#engines').scrollIntoViewIfNeeded();
    await page.locator('#engines').screenshot({ path: join(SHOTS, 'engines-dark.png') });
    const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    assert.deepEqual(csp, []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
