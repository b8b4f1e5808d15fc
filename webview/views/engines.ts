/**
 * The Engines section: what vLLM, SGLang, llama.cpp and TensorRT-LLM allocate at the panel's operating point
 * (src/core/engines), the engines as columns; under it each engine's launch line with a copy button and its
 * assumptions (estimates marked). The figures come from the pure core, so the section needs no message of its own.
 */
import { ENGINE_LABELS } from '../../src/core/engines/types';
import type { EngineEstimate } from '../../src/core/engines/types';
import { formatBytes, formatInt } from '../../src/core/format';
import { h } from '../dom';

const dash = (v: number | undefined, f: (n: number) => string) => (v === undefined || !Number.isFinite(v) ? '–' : f(v));

/** The rows of the side-by-side table (label, then one cell per engine), also used by its Markdown copy. */
export function engineRows(engines: EngineEstimate[]): string[][] {
  return [
    ['KV cache per GPU', ...engines.map((e) => (e.kvBytesPerGpu ? formatBytes(e.kvBytesPerGpu) : '–'))],
    ['pool (tokens / cells)', ...engines.map((e) => dash(e.poolTokens, formatInt))],
    ['max concurrency', ...engines.map((e) => dash(e.maxConcurrency, (n) => `${n.toFixed(2)}×`))],
    ['longest context', ...engines.map((e) => dash(e.maxContext, formatInt))],
    ['fits', ...engines.map((e) => (e.fits === undefined ? '–' : e.fits ? 'yes' : 'no'))],
  ];
}

/** The section's body; `copy(text, what)` posts the panel's copy message. */
export function renderEngines(engines: EngineEstimate[], copy: (text: string, what: string) => void): HTMLElement {
  const head = h('tr', undefined, h('th', { scope: 'col' }, ''), ...engines.map((e) => h('th', { scope: 'col', 'data-engine': e.engine }, ENGINE_LABELS[e.engine])));
  const body = engineRows(engines).map(([label, ...cells]) => h('tr', undefined, h('th', { scope: 'row' }, label ?? ''), ...cells.map((c) => h('td', { class: 'num' }, c))));
  const table = h('table', { class: 'data-table engines-table', id: 'engines-table' }, h('caption', undefined, 'What each engine allocates at this operating point'), h('thead', undefined, head), h('tbody', undefined, ...body));
  const launches = engines.map((e) => {
    const button = h('vscode-button', { secondary: true, class: 'copy', 'aria-label': `Copy the ${ENGINE_LABELS[e.engine]} launch command`, 'data-engine': e.engine }, 'Copy');
    button.addEventListener('click', () => copy(e.launch, `${ENGINE_LABELS[e.engine]} launch command`));
    return h('div', { class: 'launch-row' }, h('span', { class: 'launch-engine' }, ENGINE_LABELS[e.engine]), h('code', { class: 'launch' }, e.launch), button);
  });
  const assumptions = engines.map((e) => h('li', undefined,
    h('strong', undefined, `${ENGINE_LABELS[e.engine]} (${e.rulesVersion}): `),
    e.assumptions.map((a) => `${a.name} ${a.value}${a.estimate ? ' (estimate)' : ''}`).join('; '),
    ...(e.notes.length ? [h('span', { class: 'muted' }, ` ${e.notes.join(' ')}`)] : []),
  ));
  return h('div', { class: 'engines' },
    h('div', { class: 'table-wrap' }, table),
    h('h3', undefined, 'Launch commands'),
    ...launches,
    h('h3', undefined, 'Assumptions'),
    h('ul', { class: 'assumptions' }, ...assumptions),
  );
}
