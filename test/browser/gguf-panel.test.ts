/**
 * The KV Lens panel fed a GGUF model (the GGUF editor's `model` message: a ModelDescription described with
 * llama.cpp's rules and the exact weights of its tensors) in headless Chromium under the extension's CSP:
 * the same sections as a config, the weights exact, and llama.cpp's own allocation beside the steady state.
 * Expected figures are worked out by hand in the comments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HarnessServer, OUT, startHarness } from './harness';
import { describeGguf } from '../../src/core/gguf/describe';
import { ggufWeights } from '../../src/core/gguf/weights';
import type { PanelSettings, ToPanelMessage } from '../../src/shared/panelProtocol';

const SHOTS = join(OUT, 'screenshots');
const SETTINGS: PanelSettings = { context: 32768, batch: 1, kvDtype: 'auto', tensorParallel: 1, gpuMemoryGiB: 80 };

let browser: Browser;
let server: HarnessServer;

/** gemma-3-27b-it's GGUF metadata (as in test/unit/gguf.test.ts) and one Q4_K tensor of 5376 x 262144. */
function gemma3() {
  const header = {
    file: 'gemma-3-27b-it-Q4_K_M.gguf', version: 3, shards: 1,
    metadata: {
      'general.architecture': 'gemma3', 'gemma3.block_count': 62, 'gemma3.context_length': 131072, 'gemma3.embedding_length': 5376,
      'gemma3.attention.head_count': 32, 'gemma3.attention.head_count_kv': 16, 'gemma3.attention.key_length': 128,
      'gemma3.attention.value_length': 128, 'gemma3.attention.sliding_window': 1024, 'general.file_type': 15,
    },
    tensors: [{ name: 'token_embd.weight', shape: [5376, 262144], type: 12 }],
  };
  return { model: describeGguf(header).model, exactWeights: ggufWeights(header.file, header.tensors) };
}

describe('the panel fed a GGUF model', () => {
  before(async () => {
    ({ server, browser } = await startHarness(SHOTS));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the grouping, the layers, exact weights and what llama.cpp allocates', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.origin}/panel.html?theme=dark`);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    const { model, exactWeights } = gemma3();
    const messages: ToPanelMessage[] = [
      { type: 'settings', settings: SETTINGS },
      { type: 'model', uri: 'file:///models/gemma-3-27b-it-Q4_K_M.gguf', displayName: 'gemma-3-27b-it-Q4_K_M.gguf', model, exactWeights },
    ];
    await page.evaluate((msgs) => {
      for (const m of msgs) window.postMessage(m, '*');
    }, messages);
    await page.waitForSelector('#fig-llamacpp');
    assert.equal((await page.locator('h1').first().textContent())?.trim(), 'gemma-3-27b-it-Q4_K_M.gguf');
    assert.equal(await page.locator('#grouping-diagram svg[data-kind="GQA"]').count(), 1);
    // Per token: 62 layers x 2 x 16 x 128 x 2 B (f16) = 507,904 B = 496 KiB.
    assert.equal((await page.locator('#fig-per-token .figure-value').textContent())?.trim(), '496 KiB');
    // Weights: 5376 x 262144 values at 144 bytes per 256 = 792,723,456 B = 756 MiB.
    assert.equal((await page.locator('#fig-weights .figure-value').textContent())?.trim(), '756 MiB');
    // llama.cpp at n_ctx 32768: 10 full layers x 32,768 cells x 8 KiB + 52 SWA layers x pad256(1024 + 512) = 1,536 cells x 8 KiB
    // = 2.5 GiB + 624 MiB = 3.11 GiB.
    assert.equal((await page.locator('#fig-llamacpp .figure-value').textContent())?.trim(), '3.11 GiB');
    assert.match((await page.locator('#fig-llamacpp .figure-detail').textContent()) ?? '', /SWA cache 1,536 cells/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'gguf-gemma3-dark.png'), fullPage: true });
    assert.deepEqual(errors, []);
    const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    assert.deepEqual(csp, []);
  });
});
