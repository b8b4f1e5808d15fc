/** The panel's pure parts: the HTML shell's CSP, the protocol guards, the tables and exports, the chart's contexts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeNonce, panelCsp, renderPanelHtml } from '../../src/extension/panel/html';
import { isFromPanelMessage, isPanelPersistedState, persistedControls, isToPanelMessage } from '../../src/shared/panelProtocol';
import { chartContexts, computePanelView, gridContexts } from '../../webview/compute';
import { csvField, formatRatio, gridTable, toMarkdown, whatIfTable } from '../../webview/tables';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const llama = readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');
const controls = { kvDtype: 'auto' as const, tensorParallel: 1, gpuMemoryGiB: 80, batch: 1, context: 0 };

describe('panel HTML shell', () => {
  it('allows nothing by default and scripts only by nonce', () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9]{32}$/);
    assert.notEqual(nonce, makeNonce());
    const csp = panelCsp('https://file+.vscode-resource.vscode-cdn.net', nonce);
    assert.ok(csp.startsWith("default-src 'none'"));
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'(;|$)`));
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
    const html = renderPanelHtml({ cspSource: 'vscode-src:', nonce, scriptUri: 'vscode-src:/w.js', styleUri: 'vscode-src:/w.css', title: '<b>x</b>' });
    assert.equal(html.match(/<script /g)?.length, 1);
    assert.match(html, new RegExp(`<script nonce="${nonce}" src="vscode-src:/w.js">`));
    assert.ok(html.includes('&lt;b&gt;x&lt;/b&gt;') && !html.includes('<b>x</b>'));
  });
});

describe('panel protocol guards', () => {
  it('accept the protocol and reject anything else', () => {
    assert.ok(isToPanelMessage({ type: 'document', uri: 'file:///a', displayName: 'a', text: '{}', version: 1 }));
    assert.ok(isFromPanelMessage({ type: 'ready' }));
    assert.ok(!isToPanelMessage({ type: 'ready' }));
    assert.ok(!isFromPanelMessage({ type: 'document' }));
    assert.ok(!isToPanelMessage(null) && !isToPanelMessage('document'));
    assert.ok(isPanelPersistedState({ v: 2, uri: 'file:///a' }));
    assert.ok(isPanelPersistedState({ v: 1, uri: 'file:///a' }), 'an older state still names its config');
    assert.ok(!isPanelPersistedState({ v: 3, uri: 'file:///a' }) && !isPanelPersistedState({ v: 2 }) && !isPanelPersistedState(null));
    const controls = { kvDtype: 'fp8' as const, context: 4096, batch: 2, tensorParallel: 2, gpuMemoryGiB: 40, whatIfKvHeads: 4 };
    assert.deepEqual(persistedControls({ v: 2, uri: 'file:///a', controls }), controls);
    assert.equal(persistedControls({ v: 1, uri: 'file:///a', controls } as never), undefined, 'v1 controls used other names');
    assert.equal(persistedControls({ v: 2, uri: 'file:///a', controls: { ...controls, batch: 'x' } } as never), undefined);
  });
});

describe('panel figures', () => {
  it('chart contexts are powers of two past the maximum, the chosen context and the fit', () => {
    assert.deepEqual(chartContexts(8192, 8192), [1024, 2048, 4096, 8192, 16384, 32768, 65536]);
    // 40960 is not a power of two: it is added; the range runs to 2 x 205152 rounded down to a power of two.
    assert.deepEqual(chartContexts(40960, 40960, 205152), [1024, 2048, 4096, 8192, 16384, 32768, 40960, 65536, 131072, 262144]);
    assert.deepEqual(gridContexts(8192, 8192), [4096, 8192]);
    assert.deepEqual(gridContexts(131072, 2048), [2048, 4096, 32768, 131072]);
  });

  it('what-if table and Markdown for Llama-3-8B (32 query heads, 8 KV heads, fp32, 32 layers)', () => {
    const result = computePanelView(llama, { ...controls, whatIfKvHeads: 4 });
    assert.equal(result.status, 'ok');
    if (result.status !== 'ok') return;
    const table = whatIfTable(result.view);
    assert.deepEqual(table.rows.map((r) => r[0]), ['32', '16', '8', '4', '2', '1']);
    // 8 KV heads: 2 x 8 x 128 x 4 B x 32 layers = 256 KiB per token, x 8192 = 2 GiB, 8/32 of MHA, bound 32/8.
    assert.deepEqual(table.rows[2], ['8', 'GQA-8 (this model)', '4', '256 KiB', '2.00 GiB', '0.250×', '4.00×']);
    assert.equal(table.rowClasses?.[2], 'current');
    assert.equal(table.rowClasses?.[3], 'selected');
    const md = toMarkdown(table);
    assert.match(md, /^\*\*Every KV head count/);
    assert.match(md, /\n\| ---: \| --- \| ---: \|/);
    assert.match(md, /\n\| 1 \| MQA \| 32 \| 32\.0 KiB \| 256 MiB \| 0\.0313× \| 32\.0× \|\n$/);
  });

  it('context x batch cells over the budget are marked', () => {
    const result = computePanelView(llama, controls);
    if (result.status !== 'ok') throw new Error(result.status);
    const grid = gridTable(result.view);
    // 8192 tokens x batch 32 x 256 KiB = 64 GiB, plus ~30 GiB of fp32 weights: over 80 GiB.
    assert.deepEqual(grid.headers, ['context', 'batch 1', 'batch 8', 'batch 32', 'batch 128']);
    assert.deepEqual(grid.rows[1], ['8k', '2.00 GiB', '16.0 GiB', '64.0 GiB ✕', '256 GiB ✕']);
  });

  it('escapes Markdown and CSV cells', () => {
    assert.equal(toMarkdown({ id: 't', caption: 'c', headers: ['a|b'], rows: [['x\ny']] }).split('\n')[2], '| a\\|b |');
    assert.equal(csvField('a,"b"'), '"a,""b"""');
    assert.equal(csvField(3), '3');
    assert.equal(formatRatio(0.125), '0.125×');
    assert.equal(formatRatio(16), '16.0×');
  });

  it('reports syntax errors, non-configs and empty files instead of throwing', () => {
    assert.equal(computePanelView('{"model_type": ', controls).status, 'error');
    assert.equal(computePanelView('', controls).status, 'error');
    assert.equal(computePanelView('{"name": "not a model"}', controls).status, 'not-model');
  });
});
