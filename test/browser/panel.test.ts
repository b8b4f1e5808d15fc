/**
 * The KV Lens panel rendered in headless Chromium (Debian's, driven by playwright-core) with real
 * configs, in light and dark themes, under the extension's own CSP. Expected figures are derived by
 * hand from the configs in the comments next to each assertion.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CONFIGS, HarnessServer, OUT, buildBundle, config, startHarness } from './harness';
import { analyzeText } from '../../src/core/analyze';
import { fitBudget } from '../../src/core/fit';
import type { PanelBenchmarkRun, PanelSettings, ToPanelMessage } from '../../src/shared/panelProtocol';

const SHOTS = join(OUT, 'screenshots');
const DEFAULT_SETTINGS: PanelSettings = { context: 0, batch: 1, kvDtype: 'auto', tensorParallel: 1, gpuMemoryGiB: 80 };

let browser: Browser;
let server: HarnessServer;

interface Posted {
  type: string;
  [key: string]: unknown;
}

async function open(theme: 'dark' | 'light' | 'hc', stateKey?: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(`${server.origin}/panel.html?theme=${theme}${stateKey ? `&state=${stateKey}` : ''}`);
  // The ready handshake comes before anything may be posted.
  await page.waitForFunction(() => (window as unknown as { __posted: Posted[] }).__posted.some((m) => m.type === 'ready'));
  return page;
}

async function post(page: Page, ...messages: ToPanelMessage[]): Promise<void> {
  await page.evaluate((msgs) => {
    for (const m of msgs) window.postMessage(m, '*');
  }, messages);
}

async function showConfig(page: Page, name: string, settings: PanelSettings = DEFAULT_SETTINGS, text = config(name), displayName = `${name}/config.json`): Promise<void> {
  await post(page, { type: 'settings', settings }, { type: 'document', uri: `file:///configs/${name}/config.json`, displayName, text, version: 1 });
  await page.waitForFunction((n) => document.querySelector('h1')?.textContent === n, displayName);
  await page.waitForSelector('#grouping-diagram > *');
}

async function posted(page: Page): Promise<Posted[]> {
  return page.evaluate(() => (window as unknown as { __posted: Posted[] }).__posted);
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent())?.trim() ?? '';
}

async function shot(page: Page, name: string): Promise<void> {
  // The toolbar is sticky: scroll home so a full-page capture shows it where it belongs.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function assertClean(page: Page): Promise<void> {
  const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  assert.deepEqual(csp, [], 'no CSP violations');
  assert.deepEqual((page as Page & { errors?: string[] }).errors, [], 'no page errors');
}

/** Query-head count, KV-head count and distinct groups among query heads, read from the drawn diagram. */
async function diagramCounts(page: Page, root: string): Promise<{ kind: string | null; query: number; kv: number; groups: number; perGroup: number[] }> {
  return page.evaluate((sel) => {
    const svg = document.querySelector(`${sel} svg`);
    const q = [...document.querySelectorAll(`${sel} .query-heads rect`)].map((r) => Number(r.getAttribute('data-group')));
    const counts = new Map<number, number>();
    for (const g of q) counts.set(g, (counts.get(g) ?? 0) + 1);
    return {
      kind: svg?.getAttribute('data-kind') ?? null,
      query: q.length,
      kv: document.querySelectorAll(`${sel} .kv-heads rect`).length,
      groups: counts.size,
      perGroup: [...counts.values()],
    };
  }, root);
}

async function seriesIds(page: Page): Promise<string[]> {
  return page.locator('.cost-chart polyline').evaluateAll((els) => els.map((e) => e.getAttribute('data-series-id') ?? ''));
}

/** The y of each series' last point (SVG y grows downwards: a smaller y is a bigger cache). */
async function lastY(page: Page): Promise<Record<string, number>> {
  return page.locator('.cost-chart polyline').evaluateAll((els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-series-id'), Number((e.getAttribute('points') ?? '').trim().split(' ').pop()?.split(',')[1])])),
  );
}

describe('KV Lens panel in Chromium', { timeout: 180_000 }, () => {
  before(async () => {
    ({ server, browser } = await startHarness(SHOTS));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('Llama-3-8B (GQA): diagram, chart series, what-if by keyboard, controls, in both themes', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const page = await open(theme);
      await showConfig(page, 'llama__Meta-Llama-3-8B-Instruct');

      // num_attention_heads 32, num_key_value_heads 8: 8 groups of 4.
      const d = await diagramCounts(page, '#grouping-diagram');
      assert.deepEqual(d, { kind: 'GQA', query: 32, kv: 8, groups: 8, perGroup: [4, 4, 4, 4, 4, 4, 4, 4] });
      assert.equal(await text(page, '.kind-badge'), 'GQA');
      // 32 layers, all full attention.
      assert.equal(await page.locator('.layer-strip rect.k-full').count(), 32);

      // Per token: 2 (K,V) x 8 heads x 128 x 4 bytes (torch_dtype float32) x 32 layers = 262,144 B.
      assert.equal(await text(page, '#fig-per-token .figure-value'), '256 KiB');
      // At the model's 8192 tokens: 262,144 x 8192 = 2 GiB.
      assert.equal(await text(page, '#fig-total .figure-value'), '2.00 GiB');

      // The model's own line plus MHA (32) and MQA (1); MHA above the model above MQA.
      assert.deepEqual(await seriesIds(page), ['model', 'kv-32', 'kv-1']);
      let y = await lastY(page);
      assert.ok(y['kv-32']! < y['model']! && y['model']! < y['kv-1']!, `MHA > GQA-8 > MQA on the chart: ${JSON.stringify(y)}`);
      // Budget crossing marked where the core's fitBudget says.
      const analysis = analyzeText(config('llama__Meta-Llama-3-8B-Instruct'));
      const fit = fitBudget(analysis.model!, { gpuMemGiB: 80, tp: 1, batch: 1, kvDtype: 'fp32' }, analysis.parsed);
      assert.equal(Number(await page.locator('.fit-marker').getAttribute('data-fit')), fit.maxContext);

      // What-if over the divisors of 32 (32, 16, 8, 4, 2, 1); the model's 8 is selected first.
      const slider = page.locator('#whatif-slider');
      assert.equal(await slider.getAttribute('max'), '5');
      assert.equal(await slider.inputValue(), '2');
      await slider.focus();
      await page.keyboard.press('ArrowRight');
      // 4 KV heads: 2 x 4 x 128 x 4 x 32 = 131,072 B per token; x 8192 = 1 GiB; 4/32 of MHA; decode bound 32/4 = 8.
      await page.waitForFunction(() => document.querySelector('#whatif-value')?.textContent?.startsWith('4 '));
      assert.equal(await text(page, '#wi-per-token .figure-value'), '128 KiB');
      assert.equal(await text(page, '#wi-total .figure-value'), '1.00 GiB');
      assert.equal(await text(page, '#wi-ratio .figure-value'), '0.125×');
      assert.equal(await text(page, '#wi-speedup .figure-value'), '8.00×');
      assert.deepEqual(await diagramCounts(page, '#whatif-diagram'), { kind: 'GQA', query: 32, kv: 4, groups: 4, perGroup: [8, 8, 8, 8] });
      assert.deepEqual(await seriesIds(page), ['model', 'kv-32', 'kv-4', 'kv-1']);
      assert.equal(await page.locator('#table-whatif tbody tr').count(), 6);
      assert.equal(await slider.evaluate((el) => document.activeElement === el), true, 'focus stays on the slider');

      // Picking a row by keyboard: MQA (last row): 2 x 1 x 128 x 4 x 32 = 32 KiB per token.
      await page.locator('#table-whatif tbody tr').last().focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('#whatif-value')?.textContent?.startsWith('1 '));
      assert.equal(await text(page, '#wi-per-token .figure-value'), '32.0 KiB');
      assert.deepEqual((await diagramCounts(page, '#whatif-diagram')).kv, 1);
      await shot(page, `llama3-8b-${theme}`);

      if (theme === 'dark') {
        // Controls: fp8 halves nothing but quarters fp32: 2 x 8 x 128 x 1 x 32 = 64 KiB per token;
        // 32k tokens x 64 KiB = 2 GiB; TP 4 splits 8 KV heads into 2 per GPU: 512 MiB per GPU.
        // (No named functions inside evaluate: tsx would wrap them in a helper the page lacks.)
        await page.evaluate(() => {
          for (const [id, value] of [['ctl-dtype', 'fp8'], ['ctl-context', '32768'], ['ctl-tp', '4']] as const) {
            const el = document.getElementById(id) as HTMLElement & { value: string };
            el.value = value;
            el.dispatchEvent(new Event('change'));
          }
        });
        await page.waitForFunction(() => document.querySelector('#fig-per-gpu') !== null);
        assert.equal(await text(page, '#fig-per-token .figure-value'), '64.0 KiB');
        assert.equal(await text(page, '#fig-total .figure-value'), '2.00 GiB');
        assert.equal(await text(page, '#fig-per-gpu .figure-value'), '512 MiB');
        assert.match(await text(page, '#fig-per-gpu .figure-detail'), /^2 KV heads per GPU/);

        // Theme changes reach the drawing without a redraw: the colours are CSS variables.
        const fill = await page.evaluate(() => {
          document.documentElement.style.setProperty('--vscode-charts-blue', '#123456');
          return getComputedStyle(document.querySelector('#grouping-diagram .query-heads rect.g0')!).fill;
        });
        assert.equal(fill, 'rgb(18, 52, 86)');
      }
      await assertClean(page);
      await page.close();
    }
  });

  it('gpt_bigcode (multi_query) is MQA: 48 query heads on one KV head', async () => {
    const page = await open('dark');
    await showConfig(page, 'gpt_bigcode__WizardCoder-15B-1.0-GPTQ');
    assert.deepEqual(await diagramCounts(page, '#grouping-diagram'), { kind: 'MQA', query: 48, kv: 1, groups: 1, perGroup: [48] });
    // 2 x 1 x 128 (6144 / 48) x 2 bytes (float16) x 40 layers = 20,480 B.
    assert.equal(await text(page, '#fig-per-token .figure-value'), '20.0 KiB');
    // Divisors of 48: 48 24 16 12 8 6 4 3 2 1.
    assert.equal(await page.locator('#table-whatif tbody tr').count(), 10);
    assert.deepEqual(await seriesIds(page), ['model', 'kv-48']);
    await shot(page, 'wizardcoder-mqa-dark');
    await assertClean(page);
    await page.close();
  });

  it('DeepSeek-V3 (MLA) is drawn as one latent per token', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const page = await open(theme);
      await showConfig(page, 'deepseek_v3__DeepSeek-V3', { ...DEFAULT_SETTINGS, tensorParallel: 8, gpuMemoryGiB: 141 });
      const d = await diagramCounts(page, '#grouping-diagram');
      assert.equal(d.kind, 'MLA');
      assert.equal(d.query, 128);
      assert.equal(await page.locator('#grouping-diagram .latent-part').count(), 1);
      assert.equal(await page.locator('#grouping-diagram .latent-rope').count(), 1);
      assert.match((await page.locator('#grouping-diagram svg').getAttribute('aria-label')) ?? '', /576 values per token \(512 compressed KV \+ 64 RoPE key\)/);
      // Latent (512 + 64) x 2 bytes (bf16) x 61 layers = 70,272 B = 68.6 KiB, and the same on every GPU (replicated).
      assert.equal(await text(page, '#fig-per-token .figure-value'), '68.6 KiB');
      assert.ok(await page.locator('#fig-mla-expanded').count(), 'the expanded HF cache is shown beside it');
      await shot(page, `deepseek-v3-${theme}`);
      await assertClean(page);
      await page.close();
    }
  });

  it('Gemma 3 and Qwen3-Next show their per-layer structure in the strip', async () => {
    const page = await open('light');
    await showConfig(page, 'gemma3__gemma-3-27b-it');
    // 62 layers, every 6th global (sliding_window_pattern 6): layers 5, 11, ..., 59 -> 10 full, 52 sliding.
    assert.equal(await page.locator('.layer-strip rect.k-full').count(), 10);
    assert.equal(await page.locator('.layer-strip rect.k-sliding').count(), 52);
    // 32 query heads, 16 KV heads.
    assert.deepEqual((await diagramCounts(page, '#grouping-diagram')).kv, 16);
    await shot(page, 'gemma3-27b-light');

    await showConfig(page, 'qwen3_next__Qwen3-Next-80B-A3B-Thinking');
    await page.waitForFunction(() => document.querySelectorAll('.layer-strip rect.k-state').length > 0);
    // 48 layers, full_attention_interval 4: 12 full attention, 36 linear attention (fixed state).
    assert.equal(await page.locator('.layer-strip rect.k-full').count(), 12);
    assert.equal(await page.locator('.layer-strip rect.k-state').count(), 36);
    assert.deepEqual(await diagramCounts(page, '#grouping-diagram'), { kind: 'GQA', query: 16, kv: 2, groups: 2, perGroup: [8, 8] });
    await shot(page, 'qwen3-next-light');
    await assertClean(page);
    await page.close();
  });

  it('every fixture config renders, without errors, in high contrast too', async () => {
    const page = await open('hc');
    const names = readdirSync(CONFIGS).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    assert.ok(names.length >= 30);
    for (const [i, name] of names.entries()) {
      await post(page, { type: 'document', uri: `file:///configs/${name}/config.json`, displayName: `${name}/config.json`, text: config(name), version: i + 1 });
      await page.waitForFunction((n) => document.querySelector('h1')?.textContent === `${n}/config.json`, name);
      const state = await page.evaluate(() => ({
        banner: document.querySelector('.banner:not([hidden])')?.textContent ?? '',
        diagram: document.querySelector('#grouping-diagram > *')?.getAttribute('data-kind') ?? null,
        series: document.querySelectorAll('.cost-chart polyline').length,
      }));
      assert.equal(state.banner, '', `${name}: no error banner`);
      assert.ok(state.diagram, `${name}: a grouping diagram`);
      assert.ok(state.series >= 1, `${name}: a cost curve`);
      // Pure Mamba: no attention, drawn as such.
      if (name.startsWith('mamba2')) assert.equal(state.diagram, 'none');
    }
    await showConfig(page, 'nemotron_h__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16');
    await shot(page, 'nemotron-h-high-contrast');
    await assertClean(page);
    await page.close();
  });

  it('config strings are text, never HTML', async () => {
    const page = await open('dark');
    const payload = '<img src=x onerror=window.__xss=1>';
    const evil = config('llama__Meta-Llama-3-8B-Instruct').replace('"model_type": "llama"', `"model_type": "${payload}"`);
    assert.ok(evil.includes(payload));
    await showConfig(page, 'evil', DEFAULT_SETTINGS, evil, `${payload}/config.json`);
    assert.equal(await page.locator('#app img').count(), 0);
    assert.equal(await text(page, 'h1'), `${payload}/config.json`);
    assert.ok((await page.locator('.facts dd').allTextContents()).includes(payload));
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    await assertClean(page);
    await page.close();
  });

  it('broken edits show the parse error instead of going blank', async () => {
    const page = await open('dark');
    await showConfig(page, 'llama__Meta-Llama-3-8B-Instruct');
    // A stray comma: the error is shown, and the figures still come from what the tolerant parser read.
    const stray = config('llama__Meta-Llama-3-8B-Instruct').replace('"hidden_size": 4096,', '"hidden_size": 4096,,');
    await post(page, { type: 'document', uri: 'file:///configs/llama/config.json', displayName: 'llama/config.json', text: stray, version: 2 });
    await page.waitForSelector('.banner:not([hidden])');
    assert.match(await text(page, '.banner .error-text'), /^Syntax error: .* at line \d+, column \d+/);
    assert.equal(await page.locator('.content.stale').count(), 0);
    assert.equal((await diagramCounts(page, '#grouping-diagram')).query, 32);
    await page.locator('.banner vscode-button').click();
    const reveal = (await posted(page)).find((m) => m.type === 'revealSource');
    assert.equal(reveal?.offset, stray.indexOf(',,') + 1);

    // Half a file: nothing to compute from; the error is shown over the last good view, dimmed.
    const half = config('llama__Meta-Llama-3-8B-Instruct').slice(0, 40);
    await post(page, { type: 'document', uri: 'file:///configs/llama/config.json', displayName: 'llama/config.json', text: half, version: 3 });
    await page.waitForSelector('.content.stale');
    assert.match(await text(page, '.banner .error-text'), /Showing the last readable version below\.$/);
    assert.equal((await diagramCounts(page, '#grouping-diagram')).query, 32, 'the last good diagram stays');
    await shot(page, 'parse-error-dark');

    // Broken from the start: an error, not a blank page.
    const fresh = await open('light');
    await post(fresh, { type: 'document', uri: 'file:///x/config.json', displayName: 'x/config.json', text: '{"model_type": ', version: 1 });
    await fresh.waitForSelector('.banner:not([hidden])');
    assert.match(await text(fresh, '.banner'), /Cannot read this config: Value expected at line 1, column 16\./);
    assert.equal(await fresh.locator('.content[hidden]').count(), 1);
    await assertClean(page);
    await assertClean(fresh);
    await page.close();
    await fresh.close();
  });

  it('benchmarks: empty state, then results as bars and a table', async () => {
    const page = await open('dark');
    await showConfig(page, 'llama__Meta-Llama-3-8B-Instruct');
    assert.match(await text(page, '#benchmarks .empty'), /No results yet - run "KV Lens: Run Attention Benchmark\.\.\."/);
    // A run as the benchmark feature reports it: decode at 4096 past tokens, three variants.
    const mk = (kvHeads: number, label: string, medianMs: number, speedup: number, achievedGBps: number) => ({
      variant: { kvHeads, label },
      phase: 'decode' as const,
      context: 4096,
      batch: 1,
      dtype: 'fp32' as const,
      ep: 'cpu' as const,
      medianMs,
      p10Ms: medianMs * 0.95,
      p90Ms: medianMs * 1.1,
      achievedGBps,
      tokensPerS: 1000 / medianMs,
      ceilingGBps: 40,
      speedupVsMha: speedup,
      speedupBound: 32 / kvHeads,
    });
    const run: PanelBenchmarkRun = { results: [mk(1, 'MQA', 0.2, 6, 30), mk(32, 'MHA', 1.2, 1, 12), mk(8, 'GQA-8', 0.4, 3, 24)], provenance: 'test CPU', date: '2026-01-01' };
    await post(page, { type: 'benchmarkResults', run });
    await page.waitForSelector('.bench-chart');
    assert.equal(await page.locator('.bench-chart .bar').count(), 3);
    assert.equal(await page.locator('#table-benchmarks tbody tr').count(), 3);
    // Bars run MHA first (most KV heads), and speed-ups read against their bound.
    const labels = await page.locator('.bench-chart text.tick-label').allTextContents();
    assert.deepEqual(labels, ['MHA (32 KV)', 'GQA-8 (8 KV)', 'MQA (1 KV)']);
    assert.ok((await page.locator('.bench-chart .value-label').allTextContents()).includes('0.400 ms · 3.00×/4×'));
    // 24 of 40 GB/s = 60%.
    assert.ok((await page.locator('.bench-chart .value-label').allTextContents()).includes('60% · 24 GB/s'));
    // The table lists MHA first too.
    assert.deepEqual(await page.locator('#table-benchmarks tbody tr th').allTextContents(), ['32 (MHA)', '8 (GQA-8)', '1 (MQA)']);
    // Tokens per second: one token per 0.4 ms = 2,500.
    assert.equal(await page.locator('#table-benchmarks tbody tr').nth(1).locator('td').nth(8).textContent(), '2,500');
    await page.locator('#benchmarks').scrollIntoViewIfNeeded();
    await page.locator('#benchmarks').screenshot({ path: join(SHOTS, 'benchmarks-dark.png') });
    await assertClean(page);
    await page.close();
  });

  it('copy, export by request/reply, and state that survives a reload', async () => {
    const page = await open('light');
    await showConfig(page, 'llama__Meta-Llama-3-8B-Instruct');
    await page.locator('#whatif-slider').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('#whatif-value')?.textContent?.startsWith('4 '));

    await page.locator('vscode-button[aria-label="Copy every table as Markdown"]').click();
    const copy = (await posted(page)).find((m) => m.type === 'copy');
    assert.ok(typeof copy?.text === 'string');
    assert.match(copy.text as string, /\| KV heads \| grouping \| query heads per KV head \| per token \| cache \| vs MHA \| decode speed-up bound \|/);
    assert.match(copy.text as string, /\| 4 \| GQA-4 \| 8 \| 128 KiB \| 1\.00 GiB \| 0\.125× \| 8\.00× \|/);

    await page.locator('vscode-button[aria-label="Export the figures as CSV"]').click();
    await page.waitForFunction(() => (window as unknown as { __posted: Posted[] }).__posted.some((m) => m.type === 'export'));
    const request = (await posted(page)).find((m) => m.type === 'export')!;
    assert.equal(request.format, 'csv');
    assert.equal(typeof request.messageId, 'number');
    const lines = (request.content as string).trim().split('\r\n');
    assert.equal(lines[0], 'kv_heads,grouping,group_size,this_model,context,batch,kv_dtype,tp,bytes_per_token,total_bytes,ratio_to_mha,decode_speedup_bound');
    // The model's own row at 8192 tokens: 8 KV heads, 262,144 B per token, 2 GiB.
    assert.ok(lines.includes('8,GQA-8,4,true,8192,1,fp32,1,262144,2147483648,0.25,4'), lines.join('\n'));
    await post(page, { type: 'exportResult', inReplyTo: request.messageId as number, outcome: 'saved', path: '/tmp/llama.kv-lens.csv' });
    await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'Saved /tmp/llama.kv-lens.csv');

    // The serializer hands this state back after a reload: only the config's uri and the controls.
    const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual(Object.keys(state as object).sort(), ['controls', 'uri', 'v']);
    assert.equal((state as { v: number }).v, 2);
    assert.equal((state as { uri: string }).uri, 'file:///configs/llama__Meta-Llama-3-8B-Instruct/config.json');
    assert.equal((state as { controls: { whatIfKvHeads: number } }).controls.whatIfKvHeads, 4);
    await page.close();
    const reloaded = await open('light', server.withState('reload', state));
    // On ready the extension resends the settings and the text; the settings do not undo the user's choices.
    await showConfig(reloaded, 'llama__Meta-Llama-3-8B-Instruct');
    await reloaded.waitForSelector('#grouping-diagram svg');
    assert.match(await text(reloaded, '#whatif-value'), /^4 \(GQA-4/);
    assert.equal((await diagramCounts(reloaded, '#grouping-diagram')).query, 32);
    await post(reloaded, { type: 'settings', settings: DEFAULT_SETTINGS });
    await reloaded.waitForFunction(() => document.querySelector('#whatif-value')?.textContent?.startsWith('4 '));
    // A state from before the controls took the settings' names: its uri is kept, its controls are not.
    const old = await open('light', server.withState('old', { v: 1, uri: 'file:///configs/x/config.json', controls: { tp: 2, gpuMemGiB: 40 } }));
    await showConfig(old, 'llama__Meta-Llama-3-8B-Instruct');
    assert.equal(await old.evaluate(() => (document.getElementById('ctl-gpu') as HTMLElement & { value: string }).value), '80');
    await assertClean(old);
    await old.close();
    // A setting that did change applies to its control only.
    await post(reloaded, { type: 'settings', settings: { ...DEFAULT_SETTINGS, gpuMemoryGiB: 141 } });
    await reloaded.waitForFunction(() => (document.getElementById('ctl-gpu') as HTMLElement & { value: string }).value === '141');
    assert.match(await text(reloaded, '#whatif-value'), /^4 \(GQA-4/);
    assert.match(await text(reloaded, '#fig-fit-context .figure-detail'), /141 GiB/);
    await assertClean(reloaded);
    await reloaded.close();
  });
});
