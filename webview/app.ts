/**
 * The panel application: state (text, controls, benchmarks), message handling and the sections.
 * Everything is recomputed with the core on each change; the control bar and the what-if slider
 * persist across redraws so keyboard focus is never lost.
 */
import { formatBytes, formatInt, formatTokens } from '../src/core/format';
import { llamaCacheType, llamaCppKv } from '../src/core/engines/llamacpp';
import { DEFAULT_SETTINGS, kvChoices } from '../src/core/settings';
import { CONTEXT_CAP } from '../src/core/fit';
import { whatIf } from '../src/core/whatif';
import { RequestTracker, type ReplyEnvelope } from '../src/shared/messaging';
import {
  isPanelPersistedState,
  isToPanelMessage,
  persistedControls,
  type FromPanelMessage,
  type PanelBenchmarkRun,
  type PanelControls,
  type PanelExportReply,
  type PanelExportRequest,
  type PanelFidelity,
  type PanelPersistedState,
  type PanelModelMessage,
  type PanelSettings,
  type ToPanelMessage,
} from '../src/shared/panelProtocol';
import { computeGivenModelView, computePanelView, memoAnalyse, variantLabel, type ModelView, type PanelView } from './compute';
import { ControlBar } from './controls';
import { h, replaceChildren } from './dom';
import { benchmarkTable, breakdownTable, figuresCsv, formatRatio, gridTable, toMarkdown, whatIfTable, type TableData } from './tables';
import { renderBenchmarks } from './views/benchmarks';
import { renderCostChart } from './views/costChart';
import { renderEngines } from './views/engines';
import { renderFidelity } from './views/fidelity';
import { renderGrouping, renderLayerStrip, type GroupingInput } from './views/grouping';

/** The subset of the VS Code webview API the panel uses (the test harness provides the same). */
export interface WebviewApi {
  postMessage(message: FromPanelMessage): void;
  getState(): unknown;
  setState(state: PanelPersistedState): void;
}

const DEFAULT_CONTROLS: PanelControls = kvChoices(DEFAULT_SETTINGS);

function section(id: string, title: string, ...children: HTMLElement[]): { root: HTMLElement; body: HTMLElement } {
  const body = h('div', { class: 'section-body' }, ...children);
  const root = h('section', { id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), body);
  return { root, body };
}

export class PanelApp {
  private text: string | undefined;
  /** A model given whole (a GGUF header described by the extension) instead of config text. */
  private given: PanelModelMessage | undefined;
  private uri = '';
  private displayName = '';
  private controls: PanelControls = { ...DEFAULT_CONTROLS };
  private settings: PanelSettings | undefined;
  private benchmarks: PanelBenchmarkRun | undefined;
  /** Conversion fidelity per KV head count (the what-if row for that count shows it). */
  private fidelity: PanelFidelity[] = [];
  /** True from a reload that restored the user's controls until the first settings message. */
  private restoredControls = false;
  private lastGood: ModelView | undefined;
  private readonly analyse = memoAnalyse();

  private readonly exports: RequestTracker<PanelExportRequest, PanelExportReply>;
  private readonly bar: ControlBar;
  private readonly header = h('header', { class: 'header' });
  private readonly banner = h('div', { class: 'banner', role: 'alert' });
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly slider = h('input', { type: 'range', id: 'whatif-slider', min: 0, max: 0, step: 1, 'aria-label': 'KV heads (what-if)' });
  private readonly grouping = section('grouping', 'Attention grouping');
  private readonly cost = section('cost', 'KV cache cost');
  private readonly whatIfSection = section('whatif', 'What-if: other KV head counts');
  private readonly whatIfBody = h('div', { class: 'whatif-body' });
  private readonly bench = section('benchmarks', 'Benchmarks');
  private readonly enginesSection = section('engines', 'Engines: what each allocates');
  private readonly content = h('div', { class: 'content' });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: WebviewApi,
  ) {
    this.exports = new RequestTracker({ post: (m) => this.api.postMessage(m), isFinal: () => true });
    this.bar = new ControlBar((update) => {
      this.controls = { ...this.controls, ...update };
      this.refresh();
    });
    this.slider.addEventListener('input', () => {
      const rows = this.lastGood?.whatIf ?? [];
      const row = rows[Number(this.slider.value)];
      if (row) {
        this.controls = { ...this.controls, whatIfKvHeads: row.kvHeads };
        this.refresh();
      }
    });
    this.whatIfSection.body.append(
      h('div', { class: 'slider-row' }, h('label', { for: 'whatif-slider' }, 'KV heads'), this.slider, h('output', { id: 'whatif-value', for: 'whatif-slider' })),
      this.whatIfBody,
    );
    const actions = h(
      'div',
      { class: 'actions' },
      this.button('Copy as Markdown', 'Copy every table as Markdown', () => this.copyAll()),
      this.button('Export JSON', 'Export the figures as JSON', () => void this.export('json')),
      this.button('Export CSV', 'Export the figures as CSV', () => void this.export('csv')),
    );
    this.content.append(this.grouping.root, this.cost.root, this.enginesSection.root, this.whatIfSection.root, this.bench.root);
    replaceChildren(this.root, this.header, h('div', { class: 'toolbar' }, this.bar.element, actions), this.banner, this.status, this.content);
    this.restore(this.api.getState());
  }

  /** Installs the message listener, then tells the extension it may post (the ready handshake). */
  start(): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isToPanelMessage(event.data)) this.onMessage(event.data);
    });
    this.api.postMessage({ type: 'ready' });
  }

  private button(label: string, aria: string, onClick: () => void): HTMLElement {
    const b = h('vscode-button', { secondary: true, 'aria-label': aria }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  private restore(state: unknown): void {
    if (isPanelPersistedState(state)) {
      this.uri = state.uri;
      const controls = persistedControls(state);
      if (controls) {
        this.controls = { ...DEFAULT_CONTROLS, ...controls };
        // The settings that arrive next seed only the controls the user never set here.
        this.restoredControls = true;
      }
    }
    this.refresh();
  }

  /** Only what a reload needs: the config and the controls (the extension resends the rest on `ready`). */
  private persist(): void {
    if (this.uri) this.api.setState({ v: 2, uri: this.uri, controls: this.controls });
  }

  private onMessage(message: ToPanelMessage): void {
    switch (message.type) {
      case 'document':
        this.uri = message.uri;
        this.displayName = message.displayName;
        this.text = message.text;
        this.given = undefined;
        break;
      case 'model':
        this.uri = message.uri;
        this.displayName = message.displayName;
        this.given = message;
        this.text = undefined;
        break;
      case 'settings': {
        // Settings seed the controls; afterwards only a setting that changed overrides its control, so the
        // resend after a reload (or a change to another setting) keeps what the user picked in the panel.
        const next = kvChoices(message.settings);
        if (this.restoredControls) {
          // After a reload the user's controls stand; later setting changes apply as usual.
          this.restoredControls = false;
        } else if (!this.settings) {
          this.controls = { ...next, whatIfKvHeads: this.controls.whatIfKvHeads };
        } else {
          const before = kvChoices(this.settings);
          for (const key of Object.keys(next) as (keyof PanelSettings)[]) {
            if (before[key] !== next[key]) this.controls = { ...this.controls, [key]: next[key] };
          }
        }
        this.settings = message.settings;
        break;
      }
      case 'benchmarkResults':
        this.benchmarks = message.run;
        break;
      case 'fidelityResults':
        this.fidelity = message.results;
        break;
      case 'documentError':
        this.showStatus(message.message);
        return;
      case 'exportResult':
        this.exports.handleReply(message as ReplyEnvelope<PanelExportReply>);
        return;
    }
    this.refresh();
  }

  private showStatus(text: string): void {
    this.status.textContent = text;
  }

  /** Recomputes and redraws everything from state; persists state. */
  refresh(): void {
    this.root.setAttribute('aria-busy', 'false');
    this.persist();
    if (this.text === undefined && !this.given) {
      replaceChildren(this.header, h('h1', undefined, 'KV Lens'), h('p', { class: 'muted' }, 'Waiting for the config…'));
      return;
    }
    const result = this.given ? computeGivenModelView(this.given.model, this.controls, this.given.exactWeights) : computePanelView(this.text ?? '', this.controls, this.analyse);
    this.renderHeader(result);
    this.renderBanner(result);
    if (result.status === 'ok') this.lastGood = result.view;
    const view = this.lastGood;
    // A broken edit keeps the last good figures on screen (dimmed) under the error, instead of going blank.
    this.content.classList.toggle('stale', result.status !== 'ok' && view !== undefined);
    this.content.hidden = view === undefined;
    if (!view) return;
    // "auto" resolves to the cache's own format when the model names one (kv_cache_scheme; llama.cpp's f16 for GGUF), else the model dtype.
    this.bar.sync(this.controls, (view.model.kvCacheDtype ?? view.model.dtype).value, view.model.maxContext?.value);
    this.renderGroupingSection(view);
    this.renderCostSection(view);
    replaceChildren(this.enginesSection.body, view.engines ? renderEngines(view.engines, (text, what) => this.api.postMessage({ type: 'copy', text, what })) : undefined);
    this.renderWhatIf(view);
    this.renderBenchSection();
  }

  private renderHeader(result: PanelView): void {
    const title = h('h1', undefined, this.displayName || 'KV Lens');
    if (result.status !== 'ok') {
      replaceChildren(this.header, title);
      return;
    }
    const m = result.view.model;
    const a = m.attention;
    const facts: [string, string][] = [
      ['model type', m.partModelType ?? m.modelType ?? 'unknown'],
      ['layers', String(m.layers.length)],
      ['query heads', String(a.queryHeads.value)],
      ['KV heads', a.kind === 'MLA' ? 'latent' : String(a.kvHeads.value)],
      ['head size', a.headDimK.value === a.headDimV.value ? String(a.headDimK.value) : `${a.headDimK.value} / ${a.headDimV.value}`],
      ['dtype', m.dtype.value],
    ];
    if (m.maxContext) facts.push(['max context', formatTokens(m.maxContext.value)]);
    if (m.part) facts.push(['read from', m.part]);
    const dl = h('dl', { class: 'facts' });
    for (const [k, v] of facts) dl.append(h('div', undefined, h('dt', undefined, k), h('dd', undefined, v)));
    const notes = [...new Set([...m.notes, ...result.view.report.notes, ...result.view.fit.notes])];
    const assumptions = notes.length
      ? h('details', { class: 'notes' }, h('summary', undefined, `Assumptions and notes (${notes.length})`), h('ul', undefined, ...notes.map((n) => h('li', undefined, n))))
      : undefined;
    replaceChildren(this.header, h('div', { class: 'title-row' }, h('span', { class: `kind-badge kind-${a.kind}`, 'data-kind': a.kind }, a.kind === 'none' ? 'no attention' : a.kind), title), dl, assumptions);
  }

  private renderBanner(result: PanelView): void {
    const syntax = result.problems.find((p) => !p.tolerated);
    this.banner.hidden = result.status === 'ok' && !syntax;
    this.banner.classList.toggle('warning', result.status === 'ok');
    if (this.banner.hidden) {
      replaceChildren(this.banner);
      return;
    }
    if (result.status === 'not-model') {
      replaceChildren(this.banner, h('p', undefined, 'This file does not look like a model config: no model_type, architectures or attention fields were found.'));
      return;
    }
    const offset = result.status === 'error' ? result.offset : syntax?.range.offset;
    const message =
      result.status === 'error'
        ? `${result.message.replace(/\.?$/, '.')}${this.lastGood ? ' Showing the last readable version below.' : ''}`
        : `Syntax error: ${syntax?.message ?? ''}. The figures below are from what could still be read.`;
    const go = h('vscode-button', { 'aria-label': 'Go to the error in the editor' }, 'Go to error');
    go.addEventListener('click', () => this.api.postMessage({ type: 'revealSource', offset }));
    replaceChildren(this.banner, h('p', { class: 'error-text' }, message), offset !== undefined ? go : undefined);
  }

  private groupingInput(view: ModelView, kind: GroupingInput['kind'], kvHeads: number, caption: string): GroupingInput {
    const m = view.model;
    const mla = m.mla ? { latent: m.mla.latent, kvLoraRank: m.mla.kvLoraRank.value, ropeDim: m.mla.qkRopeHeadDim.value } : undefined;
    return { kind, queryHeads: m.attention.queryHeads.value, kvHeads, mla, caption };
  }

  private renderGroupingSection(view: ModelView): void {
    const a = view.model.attention;
    const diagram = renderGrouping(this.groupingInput(view, a.kind, a.kvHeads.value, 'Configured attention'));
    const from = [...a.kvHeads.from, ...a.queryHeads.from].filter((v, i, all) => all.indexOf(v) === i);
    replaceChildren(
      this.grouping.body,
      h('div', { class: 'diagram-wrap', id: 'grouping-diagram' }, diagram),
      h('p', { class: 'muted' }, diagram.getAttribute('aria-label')?.replace(/^Configured attention\. /, '') ?? '', from.length ? ` Read from ${from.join(', ')}.` : '', a.kvHeads.defaulted ? ' (KV heads defaulted.)' : ''),
      h('h3', undefined, `Layers (${view.model.layers.length})`),
      renderLayerStrip(view.model, view.report.bytesPerElement),
    );
  }

  private figure(label: string, value: string, detail?: string, id?: string): HTMLElement {
    return h('div', { class: 'figure', id }, h('div', { class: 'figure-label' }, label), h('div', { class: 'figure-value' }, value), detail ? h('div', { class: 'figure-detail' }, detail) : undefined);
  }

  private renderCostSection(view: ModelView): void {
    const { report: r, resolved } = view;
    const figures = h('div', { class: 'figures' });
    figures.append(this.figure('per token', formatBytes(r.bytesPerToken), `${r.dtype}, all layers`, 'fig-per-token'));
    figures.append(this.figure(`at ${formatTokens(r.context)} × ${r.batch}`, formatBytes(r.totalBytes), r.stateBytes ? `incl. ${formatBytes(r.stateBytes)} fixed state` : 'whole model', 'fig-total'));
    if (resolved.tp > 1) {
      figures.append(this.figure(`per GPU (TP ${r.tp})`, formatBytes(r.perGpuBytes), `${r.perGpuKvHeads} KV head${r.perGpuKvHeads === 1 ? '' : 's'} per GPU${r.replication > 1 ? `, each replicated ${r.replication}×; cluster ${formatBytes(r.clusterBytes)}` : ''}`, 'fig-per-gpu'));
    }
    if (view.weightsBytes) figures.append(this.figure('weights', formatBytes(view.weightsBytes), `at ${view.model.dtype.value}`, 'fig-weights'));
    const fitText = view.fit.contextUnbounded ? 'any' : view.fit.maxContext >= CONTEXT_CAP ? `at least ${formatTokens(view.fit.maxContext)} tokens` : view.fit.maxContext > 0 ? `${formatTokens(view.fit.maxContext)} tokens` : 'none';
    figures.append(this.figure('longest context that fits', fitText, `batch ${resolved.batch}, ${resolved.gpuMemGiB} GiB${resolved.tp > 1 ? ` × ${resolved.tp}` : ''}`, 'fig-fit-context'));
    figures.append(this.figure(`sequences at ${formatTokens(resolved.context)}`, Number.isFinite(view.fit.maxBatch) ? String(view.fit.maxBatch) : 'unbounded', 'that fit beside the weights', 'fig-fit-batch'));
    if (this.given) {
      // A GGUF model runs in llama.cpp: what it allocates at these settings (padding, SWA cells, per-sequence split) beside the steady state.
      const type = llamaCacheType(r.dtype);
      const l = type ? llamaCppKv(view.model, { nCtx: r.context * r.batch, nSeqMax: r.batch, typeK: type, typeV: type }) : undefined;
      figures.append(l
        ? this.figure('llama.cpp allocates', formatBytes(l.bytes), `n_ctx ${formatInt(l.nCtx)}${l.swa ? `, SWA cache ${formatInt(l.swa.cells)} cells` : ''}, K/V ${l.typeK}`, 'fig-llamacpp')
        : this.figure('llama.cpp allocates', 'n/a', `llama.cpp has no ${r.dtype} cache type`, 'fig-llamacpp'));
    }
    if (r.mlaExpanded) figures.append(this.figure('HF eager cache (expanded K/V)', formatBytes(r.mlaExpanded.cacheBytes), `${formatBytes(r.mlaExpanded.bytesPerToken)} per token; engines cache the latent`, 'fig-mla-expanded'));

    replaceChildren(
      this.cost.body,
      figures,
      h('p', { class: 'formula' }, h('code', undefined, r.formula)),
      h('h3', undefined, 'Cache size against context'),
      renderCostChart(view.chart, resolved.context, resolved.tp > 1 ? `per GPU (TP ${resolved.tp})` : 'KV cache'),
      this.table(breakdownTable(view)),
      this.table(gridTable(view)),
    );
  }

  private renderWhatIf(view: ModelView): void {
    const rows = view.whatIf;
    const index = Math.max(0, rows.findIndex((r) => r === view.selected));
    this.slider.max = String(Math.max(0, rows.length - 1));
    this.slider.disabled = rows.length < 2;
    if (this.slider.value !== String(index)) this.slider.value = String(index);
    const sel = view.selected;
    const out = this.whatIfSection.body.querySelector('output');
    if (!sel) {
      if (out) out.textContent = '';
      replaceChildren(this.whatIfBody, h('p', { class: 'muted' }, 'No KV head counts to compare for this model.'));
      return;
    }
    const text = `${sel.kvHeads} (${variantLabel(sel.kind, sel.kvHeads)}${sel.current ? ', this model' : ''})`;
    this.slider.setAttribute('aria-valuetext', `${sel.kvHeads} KV heads, ${variantLabel(sel.kind, sel.kvHeads)}, ${formatBytes(sel.totalBytes)}`);
    if (out) out.textContent = text;
    const figures = h(
      'div',
      { class: 'figures', id: 'whatif-figures' },
      this.figure('per token', formatBytes(sel.bytesPerToken), undefined, 'wi-per-token'),
      this.figure(`cache at ${formatTokens(view.resolved.context)} × ${view.resolved.batch}`, formatBytes(sel.totalBytes), undefined, 'wi-total'),
      this.figure('vs MHA', formatRatio(sel.ratioToMha), 'cache size ratio', 'wi-ratio'),
      this.figure('decode speed-up bound', formatRatio(sel.decodeSpeedupBound), 'over MHA, memory-bound decode', 'wi-speedup'),
    );
    const kind = sel.kind === 'MLA' ? 'MLA' : sel.kind;
    const m = view.model;
    const mlaNote = m.mla
      ? h('p', { class: 'muted', id: 'whatif-mla-note' }, `This model caches an MLA latent (${formatBytes(view.report.bytesPerToken)} per token). The groupings below are the same ${m.attention.queryHeads.value} heads with ordinary per-head K (${m.attention.headDimK.value}) and V (${m.attention.headDimV.value}) caches, for comparison.`)
      : undefined;
    const converted = this.fidelity.find((f) => f.kvHeads === sel.kvHeads);
    replaceChildren(
      this.whatIfBody,
      mlaNote,
      figures,
      converted ? renderFidelity(converted) : undefined,
      h('div', { class: 'diagram-wrap', id: 'whatif-diagram' }, renderGrouping(this.groupingInput(view, kind, sel.kvHeads, 'What-if grouping'))),
      this.table(whatIfTable(view), (i) => {
        const row = rows[i];
        if (row) {
          this.controls = { ...this.controls, whatIfKvHeads: row.kvHeads };
          this.refresh();
          this.slider.focus();
        }
      }),
    );
  }

  private renderBenchSection(): void {
    const run = this.benchmarks;
    replaceChildren(this.bench.body, renderBenchmarks(run), run && run.results.length ? this.table(benchmarkTable(run)) : undefined);
  }

  /** A table with a caption and its own copy button; `onPick` makes rows selectable by click or keyboard. */
  private table(data: TableData, onPick?: (row: number) => void): HTMLElement {
    const copy = h('vscode-button', { secondary: true, class: 'copy', 'aria-label': `Copy table as Markdown: ${data.caption}` }, 'Copy');
    copy.addEventListener('click', () => this.api.postMessage({ type: 'copy', text: toMarkdown(data), what: data.caption }));
    const table = h('table', { id: `table-${data.id}`, class: onPick ? 'pickable' : undefined });
    table.append(h('caption', undefined, data.caption));
    table.append(h('thead', undefined, h('tr', undefined, ...data.headers.map((t, i) => h('th', { scope: 'col', class: data.numeric?.[i] ? 'num' : undefined }, t)))));
    const body = h('tbody');
    data.rows.forEach((row, r) => {
      const tr = h('tr', { class: data.rowClasses?.[r] || undefined });
      row.forEach((cell, i) => tr.append(h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : undefined, class: data.numeric?.[i] ? 'num' : undefined }, cell)));
      if (onPick) {
        tr.tabIndex = 0;
        tr.setAttribute('aria-selected', data.rowClasses?.[r]?.includes('selected') ? 'true' : 'false');
        tr.addEventListener('click', () => onPick(r));
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onPick(r);
          }
        });
      }
      body.append(tr);
    });
    table.append(body);
    return h('div', { class: 'table-wrap' }, h('div', { class: 'table-tools' }, copy), table);
  }

  private allTables(view: ModelView): TableData[] {
    const tables = [breakdownTable(view), gridTable(view), whatIfTable(view)];
    if (this.benchmarks?.results.length) tables.push(benchmarkTable(this.benchmarks));
    return tables;
  }

  private copyAll(): void {
    const view = this.lastGood;
    if (!view) return;
    const text = [`## KV Lens: ${this.displayName}`, '', ...this.allTables(view).map(toMarkdown)].join('\n');
    this.api.postMessage({ type: 'copy', text, what: 'all tables' });
    this.showStatus('Copied every table as Markdown.');
  }

  private async export(format: 'json' | 'csv'): Promise<void> {
    const view = this.lastGood;
    if (!view) return;
    const base = (this.displayName.split('/').slice(-2, -1)[0] || 'model').replace(/[^\w.-]+/g, '_');
    const opts = { context: 0, batch: view.resolved.batch, kvDtype: view.resolved.kvDtype, tp: view.resolved.tp };
    const content =
      format === 'csv'
        ? figuresCsv(view, (context) => whatIf(view.model, { ...opts, context }))
        : JSON.stringify(
            {
              file: this.displayName,
              uri: this.uri,
              settings: view.resolved,
              model: view.model,
              kv: view.report,
              weightsBytes: view.weightsBytes,
              fit: view.fit,
              whatIf: view.whatIf,
              grid: view.grid,
              chart: view.chart,
              benchmarks: this.benchmarks,
              fidelity: this.fidelity,
            },
            null,
            2,
          ) + '\n';
    this.showStatus(`Exporting ${format.toUpperCase()}…`);
    try {
      const { reply } = this.exports.request({ type: 'export', format, suggestedName: `${base}.kv-lens.${format}`, content });
      const answer = await reply;
      this.showStatus(answer.outcome === 'saved' ? `Saved ${answer.path ?? ''}` : answer.outcome === 'cancelled' ? 'Export cancelled.' : `Export failed: ${answer.message ?? 'unknown error'}`);
    } catch (error) {
      this.showStatus(`Export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
