/**
 * The what-if's conversion figures in headless Chromium under the extension's CSP: after a `fidelityResults`
 * message (what the extension posts when "Convert to Grouped-Query Attention..." finished for this config), the
 * what-if row for a converted KV head count shows the attention output's relative error and cosine (worst with
 * its layer, median) and the weight-sharing error, labelled as the attention-layer error before fine-tuning, not
 * model quality; rows that were not converted show none; a later message replaces the figures; strings from the
 * extension (the output folder) stay text. Expected text by hand from the figures posted: 0.1234 -> "12.3%",
 * cosine 0.99216 -> "0.9922" (4 places), 0.40625 -> "40.6%".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HarnessServer, OUT, config, startHarness } from './harness';
import type { PanelFidelity, PanelSettings, ToPanelMessage } from '../../src/shared/panelProtocol';

const SHOTS = join(OUT, 'screenshots');
const SETTINGS: PanelSettings = { context: 4096, batch: 1, kvDtype: 'auto', tensorParallel: 1, gpuMemoryGiB: 80 };
const LABEL = 'attention-layer error before fine-tuning, not model quality';

/** Llama-2-7B converted to 8 KV heads with mean, the check run; and to 4 with mean-norm, the check skipped. */
const TO_8: PanelFidelity = {
  kvHeads: 8,
  method: 'mean',
  sharingError: { worst: 0.40625, worstLayer: 3, median: 0.25 },
  attention: {
    relativeError: { worst: 0.1234, worstLayer: 17, median: 0.0456 },
    cosine: { worst: 0.99216, worstLayer: 17, median: 0.999 },
    inputs: 'the embeddings of a fixed 64-byte text',
  },
  out: '/models/<b>llama-2-7b-kv8</b>',
  date: '2026-12-02T00:00:00.000Z',
};
const TO_4: PanelFidelity = { kvHeads: 4, method: 'mean-norm', sharingError: { worst: 0.5, worstLayer: 0, median: 0.5 }, out: '/models/llama-2-7b-kv4', date: '2026-12-02T00:00:00.000Z' };

let browser: Browser;
let server: HarnessServer;

async function post(page: Page, ...messages: ToPanelMessage[]): Promise<void> {
  await page.evaluate((msgs) => {
    for (const m of msgs) window.postMessage(m, '*');
  }, messages);
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent())?.trim() ?? '';
}

/** Moves the what-if slider one step right and waits for the row with `kv` KV heads. */
async function step(page: Page, kv: number): Promise<void> {
  await page.locator('#whatif-slider').focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((n) => document.querySelector('#whatif-value')?.textContent?.startsWith(`${n} `), kv);
}

describe('the what-if shows conversion fidelity', () => {
  before(async () => {
    ({ server, browser } = await startHarness(SHOTS));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('for a converted KV head count only, labelled as pre-fine-tuning attention error', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.origin}/panel.html?theme=dark`);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await post(
      page,
      { type: 'settings', settings: SETTINGS },
      { type: 'document', uri: 'file:///configs/llama-2-7b/config.json', displayName: 'llama-2-7b/config.json', text: config('llama__Llama-2-7b-hf'), version: 1 },
      { type: 'fidelityResults', results: [TO_4, TO_8] },
    );
    await page.waitForSelector('#whatif-figures');

    // Llama-2-7B is MHA with 32 KV heads: the what-if starts at the model's own 32 (divisors 32, 16, 8, 4, 2, 1), not converted.
    assert.match(await text(page, '#whatif-value'), /^32 /);
    assert.equal(await page.locator('#whatif-fidelity').count(), 0);
    await step(page, 16);
    assert.equal(await page.locator('#whatif-fidelity').count(), 0, 'no figures for a count never converted to');

    await step(page, 8);
    await page.waitForSelector('#whatif-fidelity');
    assert.equal(await page.locator('#whatif-fidelity').getAttribute('data-kv-heads'), '8');
    assert.match(await text(page, '#whatif-fidelity h3'), /^Converted to 8 KV heads \(mean\)$/);
    assert.ok((await text(page, '#whatif-fidelity-label')).includes(LABEL));
    assert.equal(await text(page, '#fid-relerr-worst .figure-value'), '12.3%');
    assert.equal(await text(page, '#fid-relerr-worst .figure-detail'), 'layer 17');
    assert.equal(await text(page, '#fid-relerr-median .figure-value'), '4.6%');
    assert.equal(await text(page, '#fid-cosine-worst .figure-value'), '0.9922');
    assert.equal(await text(page, '#fid-cosine-median .figure-value'), '0.9990');
    assert.equal(await text(page, '#fid-sharing-worst .figure-value'), '40.6%');
    assert.equal(await text(page, '#fid-sharing-worst .figure-detail'), 'layer 3');
    // The folder name is text, never markup.
    assert.ok((await text(page, '#whatif-fidelity')).includes('Written to /models/<b>llama-2-7b-kv8</b>.'));
    assert.equal(await page.locator('#whatif-fidelity b').count(), 0);
    await page.locator('#whatif').scrollIntoViewIfNeeded();
    await page.locator('#whatif').screenshot({ path: join(SHOTS, 'whatif-fidelity-dark.png') });

    // 4 KV heads, converted without the attention check: only the weight figures, and it says so.
    await step(page, 4);
    await page.waitForSelector('#whatif-fidelity[data-kv-heads="4"]');
    assert.equal(await page.locator('#fid-relerr-worst').count(), 0);
    assert.equal(await text(page, '#fid-sharing-median .figure-value'), '50.0%');
    assert.match(await text(page, '#whatif-fidelity'), /attention check did not run/);

    // A later message replaces what was shown: 4 is no longer among the converted counts.
    await post(page, { type: 'fidelityResults', results: [TO_8] });
    await page.waitForFunction(() => document.querySelector('#whatif-fidelity') === null);

    const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    assert.deepEqual(csp, []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
