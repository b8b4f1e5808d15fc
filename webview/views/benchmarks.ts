/**
 * The Benchmarks section: latency per grouping variant (median with p10-p90 whiskers), achieved
 * bandwidth against the machine's ceiling, and every result as a table. Plain SVG bars, themed by
 * CSS classes, for the same reasons as the cost chart.
 */
import { formatTokens } from '../../src/core/format';
import type { PanelBenchmarkResult, PanelBenchmarkRun } from '../../src/shared/panelProtocol';
import { h, s, tip } from '../dom';

/** The text shown until results arrive; the test looks for it. */
export const NO_RESULTS_TEXT = 'No results yet - run "KV Lens: Run Attention Benchmark..." (kvLens.runBenchmark) to measure these variants on this machine.';

const W = 760;
const ROW = 26;
const LABEL_W = 150;
const RIGHT_W = 250;
/** Room after the longest whisker for its value label. */
const VALUE_W = 150;

interface Group {
  key: string;
  title: string;
  results: PanelBenchmarkResult[];
}

function groupResults(run: PanelBenchmarkRun): Group[] {
  const anyHeadline = run.results.some((r) => r.headline);
  const groups = new Map<string, Group>();
  for (const r of run.results) {
    if (anyHeadline && !r.headline) continue;
    const key = [r.phase, r.context, r.prompt ?? '', r.batch, r.dtype, r.ep].join('|');
    const shape = r.phase === 'decode' ? `decode 1 token after ${formatTokens(r.context)}` : `prefill ${formatTokens(r.prompt ?? r.context)} tokens`;
    const title = `${shape}, batch ${r.batch}, ${r.dtype}, ${r.ep}`;
    const g = groups.get(key) ?? { key, title, results: [] };
    g.results.push(r);
    groups.set(key, g);
  }
  for (const g of groups.values()) g.results.sort((a, b) => b.variant.kvHeads - a.variant.kvHeads);
  return [...groups.values()];
}

/** One chart per shape: a row per variant, latency bar and bandwidth meter. */
function renderGroup(group: Group): HTMLElement {
  const rows = group.results;
  const height = rows.length * ROW + 28;
  const maxMs = Math.max(...rows.map((r) => r.p90Ms), 1e-9);
  const barW = W - LABEL_W - RIGHT_W - VALUE_W;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart bench-chart', role: 'img', 'aria-label': `Latency per variant, ${group.title}`, 'data-bars': rows.length });
  svg.append(s('text', { x: LABEL_W, y: 12, class: 'axis-label' }, 'median latency (p10-p90)'));
  svg.append(s('text', { x: W - RIGHT_W + 12, y: 12, class: 'axis-label' }, 'bandwidth vs ceiling'));
  rows.forEach((r, i) => {
    const y = 22 + i * ROW;
    const label = r.variant.label ? `${r.variant.label} (${r.variant.kvHeads} KV)` : `${r.variant.kvHeads} KV heads`;
    svg.append(s('text', { x: LABEL_W - 8, y: y + 14, class: 'tick-label end' }, label));
    const w = (barW * r.medianMs) / maxMs;
    const bar = s('rect', { x: LABEL_W, y: y + 3, width: Math.max(1, w), height: ROW - 10, class: `bar g${i % 6}` });
    const speed = r.speedupVsMha !== undefined ? `, ${r.speedupVsMha.toFixed(2)}× vs MHA (bound ${r.speedupBound.toFixed(1)}×)` : '';
    bar.append(tip(`${label}: median ${r.medianMs.toFixed(3)} ms, p10 ${r.p10Ms.toFixed(3)}, p90 ${r.p90Ms.toFixed(3)}${speed}`));
    svg.append(bar);
    const wy = y + 3 + (ROW - 10) / 2;
    svg.append(s('line', { x1: LABEL_W + (barW * r.p10Ms) / maxMs, x2: LABEL_W + (barW * r.p90Ms) / maxMs, y1: wy, y2: wy, class: 'whisker' }));
    const text = `${r.medianMs.toFixed(r.medianMs >= 10 ? 1 : 3)} ms${r.speedupVsMha !== undefined ? ` · ${r.speedupVsMha.toFixed(2)}×/${r.speedupBound.toFixed(0)}×` : ''}`;
    svg.append(s('text', { x: LABEL_W + (barW * r.p90Ms) / maxMs + 6, y: y + 14, class: 'value-label' }, text));
    // Bandwidth meter: a track for the ceiling, a fill for what was achieved.
    const mx = W - RIGHT_W + 12;
    const mw = RIGHT_W - 120;
    svg.append(s('rect', { x: mx, y: y + 5, width: mw, height: ROW - 14, class: 'meter-track' }));
    const frac = r.ceilingGBps ? Math.min(1, r.achievedGBps / r.ceilingGBps) : 0;
    if (r.ceilingGBps) svg.append(s('rect', { x: mx, y: y + 5, width: mw * frac, height: ROW - 14, class: 'meter-fill' }, tip(`${r.achievedGBps.toFixed(1)} of ${r.ceilingGBps.toFixed(0)} GB/s`)));
    svg.append(s('text', { x: mx + mw + 6, y: y + 14, class: 'value-label' }, r.ceilingGBps ? `${(100 * frac).toFixed(0)}% · ${r.achievedGBps.toFixed(0)} GB/s` : `${r.achievedGBps.toFixed(1)} GB/s`));
  });
  return h('figure', { class: 'chart-figure' }, h('figcaption', undefined, group.title), svg);
}

/** The section body for a run, or the empty-state text. */
export function renderBenchmarks(run: PanelBenchmarkRun | undefined): HTMLElement {
  if (!run || run.results.length === 0) return h('p', { class: 'empty', 'data-empty': 'true' }, NO_RESULTS_TEXT);
  const wrap = h('div', { class: 'bench' });
  if (run.provenance || run.date) wrap.append(h('p', { class: 'muted' }, [run.provenance, run.date].filter(Boolean).join(' · ')));
  for (const g of groupResults(run)) wrap.append(renderGroup(g));
  // A speed-up above Hq/Hkv is not a bandwidth gain: say so rather than let the figure stand as one.
  const above = run.results.filter((r) => r.speedupVsMha !== undefined && r.speedupVsMha > r.speedupBound * 1.1);
  if (above.length > 0) {
    wrap.append(h('p', { class: 'muted', 'data-above-bound': String(above.length) },
      `${above.length} result${above.length > 1 ? 's are' : ' is'} faster than MHA by more than the bound (query heads / KV heads). That is not a bandwidth gain: the smaller cache fits in a faster cache level, or the MHA runs were disturbed. Compare at a longer context on a quiet machine.`));
  }
  return wrap;
}
