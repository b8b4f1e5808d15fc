/**
 * Cache size against context, both axes log2, as plain SVG. Why not a chart library: four lines and
 * three reference levels do not need one; canvas-based libraries (Chart.js, uPlot) cannot read
 * `--vscode-*` variables and would have to be re-themed by hand on every theme change, and SVG keeps
 * every mark in the accessibility tree with a <title>. Colours come only from CSS classes.
 */
import { formatBytes, formatTokens } from '../../src/core/format';
import type { CostChart } from '../compute';
import { h, s, tip } from '../dom';

const W = 760;
const H = 320;
const M = { left: 68, right: 20, top: 26, bottom: 40 };

/** Ticks at powers of two, thinned to at most `max`. */
function powTicks(lo: number, hi: number, max: number): number[] {
  const a = Math.ceil(lo);
  const b = Math.floor(hi);
  const step = Math.max(1, Math.ceil((b - a + 1) / max));
  const out: number[] = [];
  for (let k = a; k <= b; k++) if ((k - a) % step === 0) out.push(k);
  return out;
}

/** Byte ticks on powers of 1024 when the range allows, so labels read "1 GiB", "1 TiB". */
function byteTicks(lo: number, hi: number): number[] {
  const p1024 = powTicks(lo, hi, 12).filter((k) => k % 10 === 0);
  if (p1024.length >= 3) return p1024;
  return powTicks(lo, hi, 7);
}

/** Renders the chart with its legend; `chosenContext` gets a marker. */
export function renderCostChart(chart: CostChart, chosenContext: number, perGpuLabel: string): HTMLElement {
  const values = chart.series.flatMap((sr) => sr.bytes).filter((v) => Number.isFinite(v) && v > 0);
  const refs = [chart.memoryBytes, chart.budgetBytes, chart.weightsBytes ?? 0].filter((v) => v > 0);
  const all = [...values, ...refs];
  const yLo = Math.floor(Math.log2(Math.max(1, Math.min(...all)))) - 1;
  const yHi = Math.ceil(Math.log2(Math.max(2, ...all))) + 1;
  const xs = chart.contexts;
  const xLo = Math.log2(xs[0] ?? 1024);
  const xHi = Math.log2(xs[xs.length - 1] ?? 2048);
  const px = (c: number): number => M.left + ((Math.log2(c) - xLo) / Math.max(1e-9, xHi - xLo)) * (W - M.left - M.right);
  const py = (b: number): number => H - M.bottom - ((Math.log2(Math.max(b, 2 ** yLo)) - yLo) / (yHi - yLo)) * (H - M.top - M.bottom);

  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'chart cost-chart',
    role: 'img',
    'aria-label': `KV cache size against context length, log scale, ${chart.series.length} series: ${chart.series.map((sr) => sr.label).join(', ')}.`,
    'data-series': chart.series.length,
  });

  const grid = s('g', { class: 'grid' });
  for (const k of byteTicks(yLo, yHi)) {
    const y = py(2 ** k);
    grid.append(s('line', { x1: M.left, x2: W - M.right, y1: y, y2: y, class: 'gridline' }));
    grid.append(s('text', { x: M.left - 6, y: y + 4, class: 'tick-label end' }, formatBytes(2 ** k)));
  }
  for (const k of powTicks(xLo, xHi, 9)) {
    const x = px(2 ** k);
    grid.append(s('line', { x1: x, x2: x, y1: M.top, y2: H - M.bottom, class: 'gridline' }));
    grid.append(s('text', { x, y: H - M.bottom + 16, class: 'tick-label' }, formatTokens(2 ** k)));
  }
  grid.append(s('text', { x: (M.left + W - M.right) / 2, y: H - 6, class: 'axis-label middle' }, 'context (tokens per sequence, log scale)'));
  grid.append(s('text', { x: 4, y: M.top - 12, class: 'axis-label' }, perGpuLabel));
  svg.append(grid);

  // Above the budget the cache no longer fits: shade it so the crossing reads at a glance.
  if (chart.budgetBytes > 0) {
    const yb = py(chart.budgetBytes);
    svg.append(s('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: Math.max(0, yb - M.top), class: 'over-budget' }));
  }
  // Reference levels are named in the legend (with their values); only the budget is labelled in place,
  // on the left, where the rising curves have not reached it yet.
  const refLine = (bytes: number, cls: string, text: string, label: boolean): void => {
    const y = py(bytes);
    const g = s('g', { class: `ref ${cls}`, 'data-ref': cls });
    g.append(s('line', { x1: M.left, x2: W - M.right, y1: y, y2: y }));
    if (label) g.append(s('text', { x: M.left + 6, y: y + 14 }, text));
    g.append(tip(text));
    svg.append(g);
  };
  refLine(chart.memoryBytes, 'memory', `GPU memory ${formatBytes(chart.memoryBytes)}`, false);
  if (chart.weightsBytes) {
    refLine(chart.weightsBytes, 'weights', `weights ${formatBytes(chart.weightsBytes)}`, false);
    if (chart.budgetBytes > 0) refLine(chart.budgetBytes, 'budget', `KV budget ${formatBytes(chart.budgetBytes)}`, true);
    else svg.append(s('text', { x: M.left + 8, y: M.top + 14, class: 'warning-label', 'data-no-budget': 'true' }, 'The weights alone exceed the GPU memory: no room is left for the cache.'));
  } else {
    refLine(chart.budgetBytes, 'budget', `KV budget ${formatBytes(chart.budgetBytes)}`, true);
  }

  const chosenX = px(chosenContext);
  svg.append(s('line', { x1: chosenX, x2: chosenX, y1: M.top, y2: H - M.bottom, class: 'chosen' }, tip(`chosen context ${formatTokens(chosenContext)}`)));

  const lines = s('g', { class: 'series' });
  chart.series.forEach((sr, i) => {
    const pts = xs.map((c, j) => [c, sr.bytes[j] ?? Number.NaN] as const).filter(([, b]) => Number.isFinite(b) && b > 0);
    const cls = sr.role === 'model' ? 's-model' : sr.role === 'whatif' ? 's-whatif' : `s-variant s-v${i % 3}`;
    const line = s('polyline', { points: pts.map(([c, b]) => `${px(c).toFixed(1)},${py(b).toFixed(1)}`).join(' '), class: `line ${cls}`, 'data-series-id': sr.id, 'data-points': pts.length });
    line.append(tip(sr.label));
    lines.append(line);
    if (sr.role === 'model') {
      for (const [c, b] of pts) lines.append(s('circle', { cx: px(c), cy: py(b), r: 2.5, class: `dot ${cls}` }, tip(`${sr.label}: ${formatBytes(b)} at ${formatTokens(c)} tokens`)));
    }
  });
  svg.append(lines);

  // Where the budget runs out for this model: the core's fitBudget answer, drawn on the model's line.
  const model = chart.series.find((sr) => sr.role === 'model');
  const fit = chart.fitContext;
  if (model && fit !== undefined && fit > 0 && fit >= (xs[0] ?? 0) && fit <= (xs[xs.length - 1] ?? 0) && chart.budgetBytes > 0) {
    const x = px(fit);
    const y = py(chart.budgetBytes);
    const label = `fits up to ${formatTokens(fit)} tokens`;
    const right = x > W - 170;
    const g = s('g', { class: 'fit-marker', 'data-fit': fit });
    g.append(s('line', { x1: x, x2: x, y1: y, y2: H - M.bottom }));
    g.append(s('circle', { cx: x, cy: y, r: 5 }));
    g.append(s('text', { x: right ? x - 6 : x + 6, y: H - M.bottom - 8, class: right ? 'end' : '' }, label));
    g.append(tip(`The budget runs out at ${formatTokens(fit)} tokens per sequence`));
    svg.append(g);
  }

  const legend = h('ul', { class: 'legend', 'aria-label': 'Chart series' });
  chart.series.forEach((sr, i) => {
    const cls = sr.role === 'model' ? 's-model' : sr.role === 'whatif' ? 's-whatif' : `s-variant s-v${i % 3}`;
    legend.append(h('li', { 'data-series-id': sr.id }, h('span', { class: `swatch line-swatch ${cls}`, 'aria-hidden': 'true' }), sr.label));
  });
  const refItem = (cls: string, text: string): void => {
    legend.append(h('li', { 'data-ref': cls }, h('span', { class: `swatch line-swatch ref-${cls}`, 'aria-hidden': 'true' }), text));
  };
  refItem('memory', `GPU memory ${formatBytes(chart.memoryBytes)}`);
  if (chart.weightsBytes) refItem('weights', `weights ${formatBytes(chart.weightsBytes)}`);
  if (chart.budgetBytes > 0) refItem('budget', `KV budget ${formatBytes(chart.budgetBytes)} (memory − weights)`);
  return h('figure', { class: 'chart-figure' }, svg, legend);
}
