/**
 * Hostile strings and the panel's content security policy, in headless Chromium under the
 * extension's own HTML shell and CSP (harness.ts). Config strings that carry HTML, a script, a
 * markdown link or a `command:` URI must show as text; and content injected into the page behind
 * the panel's back (what an injection bug would do) must be blocked by the CSP, with the violation
 * reported and nothing run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HarnessServer, OUT, buildBundle, config, startHarness } from './harness';
import type { PanelBenchmarkRun, PanelSettings, ToPanelMessage } from '../../src/shared/panelProtocol';

const SHOTS = join(OUT, 'screenshots');
const SETTINGS: PanelSettings = { context: 0, batch: 1, kvDtype: 'auto', tensorParallel: 1, gpuMemoryGiB: 80 };

/** Every payload sets a distinct global if it ever runs. */
const SCRIPT = '<script>window.__pwnedScript=1</script>';
const IMG = '<img src=x onerror="window.__pwnedImg=1">';
const MARKDOWN = '[click me](command:workbench.action.terminal.new)';
const COMMAND = 'command:kvLens.runBenchmark?%5B%22x%22%5D';
const HTML = '<b>bold</b><a href="command:workbench.action.terminal.new">run</a><iframe src="https://example.invalid/"></iframe>';

type Win = { __csp: string[]; __pwnedScript?: number; __pwnedImg?: number; __pwnedHandler?: number; __pwnedJs?: number; __pwnedEval?: number; __pwnedSrc?: number };

let browser: Browser;
let server: HarnessServer;

async function open(): Promise<Page & { errors: string[] }> {
  const page = (await browser.newPage({ viewport: { width: 1100, height: 900 } })) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${server.origin}/panel.html?theme=dark`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return page;
}

async function post(page: Page, ...messages: ToPanelMessage[]): Promise<void> {
  await page.evaluate((msgs) => {
    for (const m of msgs) window.postMessage(m, '*');
  }, messages);
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as Win).__csp);
}

async function pwned(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(() => {
    const w = window as unknown as Win;
    return { script: w.__pwnedScript, img: w.__pwnedImg, handler: w.__pwnedHandler, js: w.__pwnedJs, eval: w.__pwnedEval, src: w.__pwnedSrc };
  });
}

/** A real config (Llama-3-8B) with hostile strings in every string field the panel shows. */
function hostileConfig(): string {
  const cfg = JSON.parse(config('llama__Meta-Llama-3-8B-Instruct')) as Record<string, unknown>;
  cfg.model_type = `${SCRIPT}${IMG}`;
  cfg.torch_dtype = `${MARKDOWN} ${COMMAND}`;
  cfg.architectures = [HTML];
  cfg._name_or_path = `${SCRIPT} ${MARKDOWN}`;
  cfg.text_config = { model_type: HTML, num_attention_heads: 32, num_key_value_heads: 8, hidden_size: 4096, num_hidden_layers: 32 };
  return JSON.stringify(cfg, null, 2);
}

describe('Panel: hostile strings and the CSP, in Chromium', { timeout: 120_000 }, () => {
  before(async () => {
    ({ server, browser } = await startHarness(SHOTS));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('HTML, <script>, markdown links and command: URIs in a config show as text', async () => {
    const page = await open();
    const text = hostileConfig();
    const displayName = `${IMG}${MARKDOWN}/config.json`;
    await post(page, { type: 'settings', settings: SETTINGS }, { type: 'document', uri: 'file:///configs/evil/config.json', displayName, text, version: 1 });
    await page.waitForFunction((n) => document.querySelector('h1')?.textContent === n, displayName);
    await page.waitForSelector('#grouping-diagram > *');
    // Hostile strings in benchmark provenance too (it travels from the worker as text).
    const run: PanelBenchmarkRun = {
      results: [{ variant: { kvHeads: 8, label: 'GQA-8' }, phase: 'decode', context: 4096, batch: 1, dtype: 'fp32', ep: 'cpu', medianMs: 0.4, p10Ms: 0.38, p90Ms: 0.44, achievedGBps: 24, tokensPerS: 2500, speedupVsMha: 1, speedupBound: 4 }],
      provenance: `${SCRIPT} ${COMMAND}`,
      date: '2026-01-01',
    };
    await post(page, { type: 'benchmarkResults', run });
    await page.waitForSelector('.bench-chart');

    // Text, exactly as written.
    assert.equal(await page.locator('h1').textContent(), displayName);
    const facts = await page.locator('.facts dd').allTextContents();
    assert.ok(facts.some((f) => f.includes(SCRIPT) || f.includes(HTML)), `model type shown as text: ${JSON.stringify(facts)}`);
    const body = (await page.locator('#app').textContent()) ?? '';
    assert.ok(body.includes(`${IMG}${MARKDOWN}`), 'the display name verbatim');
    // No element was made from any of it: no scripts, images, iframes, bold or links in the app,
    // and no href anywhere pointing at a command: URI.
    const made = await page.evaluate(() => ({
      script: document.querySelectorAll('#app script').length,
      img: document.querySelectorAll('#app img').length,
      iframe: document.querySelectorAll('iframe').length,
      b: document.querySelectorAll('#app b').length,
      a: [...document.querySelectorAll('#app a')].map((a) => a.getAttribute('href')),
      commandHrefs: [...document.querySelectorAll('[href]')].filter((e) => /^\s*command:/i.test(e.getAttribute('href') ?? '')).length,
      onerror: [...document.querySelectorAll('*')].filter((e) => e.hasAttribute('onerror')).length,
    }));
    assert.deepEqual(made, { script: 0, img: 0, iframe: 0, b: 0, a: [], commandHrefs: 0, onerror: 0 });
    assert.deepEqual(await pwned(page), { script: undefined, img: undefined, handler: undefined, js: undefined, eval: undefined, src: undefined });
    // The panel itself never trips its own policy.
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(page.errors, []);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'hostile-strings-dark.png'), fullPage: true });
    await page.close();
  });

  it('the CSP blocks content injected into the page: inline script, event handler, javascript: URL, eval, foreign script and frame', async () => {
    const page = await open();
    await post(page, { type: 'settings', settings: SETTINGS }, { type: 'document', uri: 'file:///configs/llama/config.json', displayName: 'llama/config.json', text: config('llama__Meta-Llama-3-8B-Instruct'), version: 1 });
    await page.waitForSelector('#grouping-diagram > *');
    assert.deepEqual(await violations(page), [], 'clean before the injection');

    // Simulate an injection bug: write markup into the live DOM the way a careless innerHTML would.
    await page.evaluate((origin) => {
      const app = document.querySelector('#app')!;
      // 1. An inline <script> element (no nonce).
      const script = document.createElement('script');
      script.textContent = 'window.__pwnedScript = 1';
      app.append(script);
      // 2. innerHTML with an <img onerror> (the image itself is same-origin, so it loads, 404s and
      //    fires onerror: the inline handler is what the CSP must stop).
      const div = document.createElement('div');
      div.innerHTML = '<img src="x" onerror="window.__pwnedImg = 1"><img src="https://example.invalid/p.png" onerror="window.__pwnedImg = 2">';
      app.append(div);
      // 3. An inline event handler on an element the user might click.
      const button = document.createElement('button');
      button.setAttribute('onclick', 'window.__pwnedHandler = 1');
      app.append(button);
      button.click();
      // 4. A javascript: link.
      const a = document.createElement('a');
      a.href = 'javascript:window.__pwnedJs = 1';
      app.append(a);
      a.click();
      // 5. Code from a string (no 'unsafe-eval'). setTimeout compiles it later, in the page's own
      //    context: a direct eval() here would run in the test driver's evaluation, which DevTools
      //    exempts from the page's CSP.
      (window.setTimeout as (code: string, ms: number) => number)('window.__pwnedEval = 1', 0);
      // 6. The panel's own bundle URL, but without the nonce; and a frame.
      const src = document.createElement('script');
      src.src = `${origin}/webview.js?again`;
      src.setAttribute('onload', 'window.__pwnedSrc = 1');
      app.append(src);
      const frame = document.createElement('iframe');
      frame.src = 'https://example.invalid/';
      app.append(frame);
    }, server.origin);

    // Violation events are asynchronous: wait for each expected one, not for a time.
    const expected: [string, RegExp][] = [
      ['inline <script>', /^script-src(-elem)? inline$/],
      ['inline event handler', /^script-src(-attr)? inline$/],
      ['foreign image', /^img-src https:\/\/example\.invalid\/p\.png$/],
      ['eval', /^script-src eval$/],
      ['script without nonce', /^script-src(-elem)? http:\/\/127\.0\.0\.1:\d+\/webview\.js\?again$/],
      ['frame', /^frame-src https:\/\/example\.invalid\/?$/],
    ];
    for (const [what, pattern] of expected) {
      await page.waitForFunction((p) => (window as unknown as Win).__csp.some((v) => new RegExp(p).test(v)), pattern.source, { timeout: 15_000 }).catch(async () => {
        assert.fail(`no CSP violation for the ${what} (${pattern}); got ${JSON.stringify(await violations(page))}`);
      });
    }
    // The same-origin image did load and fail, so its onerror handler was attempted and blocked:
    // at least two inline-handler violations (onerror, onclick); javascript: is blocked as inline too.
    await page.waitForFunction(() => (window as unknown as Win).__csp.filter((v) => /^script-src(-attr|-elem)? inline$/.test(v)).length >= 4, undefined, { timeout: 15_000 });
    // Nothing ran.
    assert.deepEqual(await pwned(page), { script: undefined, img: undefined, handler: undefined, js: undefined, eval: undefined, src: undefined });
    // And nothing broke: the panel still works after the attempt.
    await post(page, { type: 'settings', settings: { ...SETTINGS, batch: 4 } });
    await page.waitForFunction(() => document.querySelector('#grouping-diagram svg') !== null);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'csp-injection-blocked-dark.png'), fullPage: true });
    await page.close();
  });
});
